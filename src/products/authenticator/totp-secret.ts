import type { SecretBox } from "../../core/keys/secret-box.js";
import type { SettingsRow } from "../../store/authenticator/account.store.js";

/** The AES-256-GCM context of a user's TOTP secret: a sealed secret opens only for its user. */
function totpContext(userId: string): string {
  return `authenticator-totp:${userId}`;
}

/** Seals a base32 TOTP secret for storage. */
export function sealTotpSecret(secrets: SecretBox, userId: string, secret: string): Buffer {
  return secrets.encrypt(Buffer.from(secret), totpContext(userId));
}

/** Opens the user's stored TOTP secret (base32). */
export function openTotpSecret(secrets: SecretBox, settings: SettingsRow): string {
  if (settings.totp_secret === null) throw new Error("the user has no TOTP secret");
  return secrets.decrypt(settings.totp_secret, totpContext(settings.user_id)).toString("utf8");
}
