import { createHmac, hkdfSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ivLength, openEnvelope, sealEnvelope } from "../core/keys/sealed-envelope.js";

/**
 * The operator's key an export seals TOTP secrets under and an import opens them with.
 * Sealing is deterministic (AES-256-GCM, its nonce an HMAC of context and secret: a synthetic
 * IV), so the same users export to the same bytes and two exports can be compared; a nonce
 * repeats only for the same secret of the same user, which then seals to the same text.
 */
export interface OperatorKey {
  seal(secret: Uint8Array, context: string): Buffer;
  /** Throws when `sealed` was not sealed under this key for `context`. */
  open(sealed: Uint8Array, context: string): Buffer;
}

/** The operator key for 32 bytes of key material. */
export function createOperatorKey(material: Uint8Array): OperatorKey {
  if (material.length !== 32) throw new Error("an operator key is 32 bytes");
  const encryptionKey = Buffer.from(hkdfSync("sha256", material, new Uint8Array(0), "tessera-export/aes-256-gcm", 32));
  const nonceKey = Buffer.from(hkdfSync("sha256", material, new Uint8Array(0), "tessera-export/synthetic-iv", 32));
  return {
    seal(secret, context) {
      const iv = createHmac("sha256", nonceKey).update(context).update("\0").update(secret).digest().subarray(0, ivLength);
      return sealEnvelope(encryptionKey, iv, secret, context);
    },
    open: (sealed, context) => openEnvelope(encryptionKey, sealed, context),
  };
}

/** Reads an operator key file: 32 bytes as 64 hex digits or base64, surrounding white space ignored. */
export async function readOperatorKey(path: string): Promise<OperatorKey> {
  const text = (await readFile(path, "utf8")).trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== 32) throw new Error(`${path} must hold a 32-byte key (64 hex digits or base64), e.g. from: openssl rand -hex 32`);
  return createOperatorKey(key);
}
