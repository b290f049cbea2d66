import type { TransferCredential, TransferUser } from "../transfer-user.js";
import { cosePublicKey } from "./cose-key.js";
import { aaguid, binary, checkEmails, counter, distinctCredentials, email, flag, list, object, optionalString, passwordHash, recordDates, refuse, string, time, totpSecret, transports, userIdOf, username as usernameOf } from "./fields.js";

/**
 * Hanko's user import/export JSON (`hanko user import`, schema `hanko.user_import.json`): an entry
 * per user with `user_id`, `emails[]` (`address`, `is_primary`, `is_verified`; exactly one
 * primary), `username`, `password.password` (the hash), `otp_secret.secret`,
 * `webauthn_credentials[]` and `created_at`/`updated_at`. Users go to the default tenant; their
 * TOTP secret becomes the Authenticator API's confirmed TOTP factor, their credentials Hanko's.
 */
export function readHankoUser(record: unknown): TransferUser {
  const entry = object(record, "the entry");
  const emails = list(entry.emails, "emails").map((item, index) => {
    const member = object(item, `emails[${index}]`);
    return { address: email(member.address, `emails[${index}].address`), primary: flag(member.is_primary, `emails[${index}].is_primary`), verified: flag(member.is_verified, `emails[${index}].is_verified`) };
  });
  checkEmails(emails);
  if (emails.length > 0 && !emails.some((entry) => entry.primary)) refuse("no primary email (Hanko needs exactly one)");
  const username = usernameOf(entry.username, "username");
  if (emails.length === 0 && username === undefined) refuse("neither emails nor a username");
  const id = userIdOf("hanko", optionalString(entry.user_id, "user_id"));
  const password = entry.password === undefined || entry.password === null ? null : passwordHash(object(entry.password, "password").password, "password.password");
  const otp = entry.otp_secret === undefined || entry.otp_secret === null ? undefined : totpSecret(object(entry.otp_secret, "otp_secret").secret, "otp_secret.secret");
  return {
    ...id,
    tenant: "default",
    ...recordDates(entry),
    emails,
    phones: [],
    passwordHash: password,
    webauthn: distinctCredentials(
      list(entry.webauthn_credentials, "webauthn_credentials").map((item, index) => readCredential(item, `webauthn_credentials[${index}]`)),
      (index) => `webauthn_credentials[${index}].id`,
    ),
    factors: otp === undefined ? null : { isCodeAllowed: true, isTotpAllowed: true, isDeviceAllowed: false, totp: { secret: otp } },
    authfi: null,
    username: username ?? null,
  };
}

function readCredential(item: unknown, path: string): TransferCredential {
  const member = object(item, path);
  const createdAt = time(member.created_at, `${path}.created_at`);
  return {
    credentialId: binary(member.id, `${path}.id`),
    publicKey: cosePublicKey(member.public_key, `${path}.public_key`),
    signCount: counter(member.sign_count, `${path}.sign_count`),
    transports: transports(member.transports, `${path}.transports`),
    aaguid: aaguid(member.aaguid, `${path}.aaguid`),
    backupEligible: flag(member.backup_eligible, `${path}.backup_eligible`),
    backedUp: flag(member.backup_state, `${path}.backup_state`),
    userHandle: optionalString(member.user_handle, `${path}.user_handle`) === undefined ? null : Buffer.from(string(member.user_handle, `${path}.user_handle`)).toString("base64url"),
    name: optionalString(member.name, `${path}.name`) ?? null,
    product: "hanko",
    ...(createdAt === undefined ? {} : { createdAt }),
    lastUsedAt: time(member.last_used_at, `${path}.last_used_at`) ?? null,
  };
}
