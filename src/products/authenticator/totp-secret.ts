import type { SecretBox } from "../../core/keys/secret-box.js";

/** The AES-256-GCM context of a user's TOTP secret: a sealed secret opens only for its user. */
function totpContext(userId: string): string {
  return `authenticator-totp:${userId}`;
}

/** Seals a base32 TOTP secret for storage. */
export function sealTotpSecret(secrets: SecretBox, userId: string, secret: string): Buffer {
  return secrets.encrypt(Buffer.from(secret), totpContext(userId));
}

/** Opens the user's sealed TOTP secret (base32). */
export function openTotpSecret(secrets: SecretBox, userId: string, sealed: Uint8Array): string {
  return secrets.decrypt(sealed, totpContext(userId)).toString("utf8");
}
