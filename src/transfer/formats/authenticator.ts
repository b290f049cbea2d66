import type { TransferUser } from "../transfer-user.js";
import { readFlatCredential, sourceHandle } from "./device.js";
import { distinctCredentials, email, flag, list, object, optionalString, passwordHash, phone, recordDates, refuse, totpSecret, userIdOf } from "./fields.js";

/**
 * A user of the Authenticator API, one record per user joined from a dump of its tables: `id`,
 * `email` and/or `phone` (with `email_verified` / `phone_verified`, true when absent: its accounts
 * exist once a code was confirmed), `password_hash`, `is_code_allowed`, `is_totp_allowed`,
 * `is_device_allowed`, `totp_secret` (base32, confirmed), `devices[]` (WebAuthn credentials) and
 * `created_at`/`updated_at`. Users go to the default tenant.
 */
export function readAuthenticatorUser(record: unknown): TransferUser {
  const user = object(record, "the user");
  const address = optionalString(user.email, "email") === undefined ? undefined : email(user.email, "email");
  const number = optionalString(user.phone, "phone") === undefined ? undefined : phone(user.phone, "phone");
  if (address === undefined && number === undefined) refuse("neither email nor phone");
  const totp = optionalString(user.totp_secret, "totp_secret") === undefined ? undefined : totpSecret(user.totp_secret, "totp_secret");
  const isTotpAllowed = flag(user.is_totp_allowed, "is_totp_allowed");
  if (isTotpAllowed && totp === undefined) refuse("is_totp_allowed without a totp_secret");
  const id = userIdOf("authenticator", optionalString(user.id, "id"));
  const handle = sourceHandle(id.sourceId);
  return {
    ...id,
    tenant: "default",
    ...recordDates(user),
    emails: address === undefined ? [] : [{ address, verified: flag(user.email_verified, "email_verified", true), primary: true }],
    phones: number === undefined ? [] : [{ number, verified: flag(user.phone_verified, "phone_verified", true) }],
    passwordHash: passwordHash(user.password_hash, "password_hash"),
    webauthn: distinctCredentials(
      list(user.devices, "devices").map((item, index) => readFlatCredential(item, `devices[${index}]`, "authenticator", handle)),
      (index) => `devices[${index}].credential_id`,
    ),
    factors: {
      isCodeAllowed: flag(user.is_code_allowed, "is_code_allowed", true),
      isTotpAllowed,
      isDeviceAllowed: flag(user.is_device_allowed, "is_device_allowed"),
      totp: isTotpAllowed && totp !== undefined ? { secret: totp } : null,
    },
    authfi: null,
  };
}
