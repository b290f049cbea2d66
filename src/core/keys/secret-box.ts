import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { ivLength, openEnvelope, sealEnvelope } from "./sealed-envelope.js";

/**
 * The server's secrets, derived from the 32-byte master key (`TESSERA_SECRET_KEY`) with HKDF
 * so that encryption and hashing never share a key.
 */
export interface SecretBox {
  /** AES-256-GCM encrypts `plaintext`, bound to `context` (e.g. a key id or a row id). */
  encrypt(plaintext: Uint8Array, context: string): Buffer;
  /** Decrypts what `encrypt` made with the same `context`; throws when tampered with. */
  decrypt(sealed: Uint8Array, context: string): Buffer;
  /** HMAC-SHA-256 of a one-time code or API key, for storage and lookup. */
  hash(secret: string, context: string): Buffer;
  /** Constant-time check of `secret` against a stored `hash`. */
  verify(secret: string, context: string, stored: Uint8Array): boolean;
}

/** Creates the secret box for `masterKey` (32 bytes). */
export function createSecretBox(masterKey: Uint8Array): SecretBox {
  if (masterKey.length !== 32) throw new Error("the master key must be 32 bytes");
  const encryptionKey = Buffer.from(hkdfSync("sha256", masterKey, new Uint8Array(0), "tessera/aes-256-gcm", 32));
  const hashKey = Buffer.from(hkdfSync("sha256", masterKey, new Uint8Array(0), "tessera/hmac-sha-256", 32));
  const hash = (secret: string, context: string): Buffer =>
    createHmac("sha256", hashKey).update(context).update("\0").update(secret).digest();
  return {
    encrypt: (plaintext, context) => sealEnvelope(encryptionKey, randomBytes(ivLength), plaintext, context),
    decrypt: (sealed, context) => openEnvelope(encryptionKey, sealed, context),
    hash,
    verify(secret, context, stored) {
      const actual = hash(secret, context);
      return stored.length === actual.length && timingSafeEqual(actual, stored);
    },
  };
}
