import { createCipheriv, createDecipheriv } from "node:crypto";

const version = 1;
/** Bytes of the AES-GCM nonce an envelope carries. */
export const ivLength = 12;
const tagLength = 16;

/**
 * AES-256-GCM of `plaintext` under `key` with nonce `iv`, bound to `context` as associated data:
 * version, nonce, tag, ciphertext. The server's secret box (random nonces) and the operator key
 * of exports (synthetic nonces) both seal this way.
 */
export function sealEnvelope(key: Buffer, iv: Uint8Array, plaintext: Uint8Array, context: string): Buffer {
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: tagLength });
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(version), iv, cipher.getAuthTag(), body]);
}

/** Opens what `sealEnvelope` made under `key` for `context`; throws when it is not one or was tampered with. */
export function openEnvelope(key: Buffer, sealed: Uint8Array, context: string): Buffer {
  const bytes = Buffer.from(sealed);
  if (bytes.length < 1 + ivLength + tagLength || bytes[0] !== version) throw new Error("not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(1, 1 + ivLength), { authTagLength: tagLength });
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(bytes.subarray(1 + ivLength, 1 + ivLength + tagLength));
  return Buffer.concat([decipher.update(bytes.subarray(1 + ivLength + tagLength)), decipher.final()]);
}
