import type { TransferCredential, TransferEmail, TransferPhone, TransferUser } from "../transfer-user.js";
import { normalizePhone } from "../../core/identity/phone-number.js";
import { cosePublicKey } from "./cose-key.js";
import { aaguid, binary, checkEmails, counter, distinctCredentials, email, flag, list, object, optionalString, passwordHash, phone, recordDates, refuse, string, time, type Json, userIdOf } from "./fields.js";

/**
 * An Ory Kratos identity, as `kratos import identities` takes it and the admin API lists it:
 * `id`, `traits.email` / `traits.phone` (or `phone_number`), `verifiable_addresses[]` (which of
 * them are verified), `credentials.password.config.hashed_password`, and WebAuthn credentials in
 * `credentials.webauthn.config` or `credentials.passkey.config` (`credentials[]` with `id`,
 * `public_key`, `authenticator.{aaguid, sign_count}`, `flags`, `display_name`, `added_at`; the
 * config's `user_handle`), `state` (`active`, or `inactive`: imported locked). Identities go to the
 * default tenant; their passkeys log in over Hanko's API.
 */
export function readKratosIdentity(record: unknown): TransferUser {
  const identity = object(record, "the identity");
  const traits = object(identity.traits ?? {}, "traits");
  const verified = verifiedAddresses(identity);
  const emails: TransferEmail[] = [];
  const phones: TransferPhone[] = [];
  const traitEmail = traits.email;
  for (const [index, value] of (Array.isArray(traitEmail) ? traitEmail : traitEmail === undefined ? [] : [traitEmail]).entries()) {
    const address = email(value, Array.isArray(traitEmail) ? `traits.email[${index}]` : "traits.email");
    emails.push({ address, verified: verified.has(address), primary: emails.length === 0 });
  }
  const traitPhone = traits.phone ?? traits.phone_number;
  if (traitPhone !== undefined && traitPhone !== null) {
    const number = phone(traitPhone, "traits.phone");
    phones.push({ number, verified: verified.has(number) });
  }
  checkEmails(emails);
  if (emails.length === 0 && phones.length === 0) refuse("traits carry neither an email nor a phone number");
  const credentials = object(identity.credentials ?? {}, "credentials");
  const password = credentials.password === undefined ? null : passwordOf(object(credentials.password, "credentials.password"));
  const webauthnKeys = webauthnOf(credentials.webauthn, "credentials.webauthn");
  const passkeys = webauthnOf(credentials.passkey, "credentials.passkey");
  const webauthn = distinctCredentials([...webauthnKeys, ...passkeys], (index) =>
    index < webauthnKeys.length ? `credentials.webauthn.config.credentials[${index}].id` : `credentials.passkey.config.credentials[${index - webauthnKeys.length}].id`,
  );
  const state = identity.state ?? "active";
  if (state !== "active" && state !== "inactive") refuse('state must be "active" or "inactive"');
  const dates = recordDates(identity);
  return {
    ...userIdOf("kratos", optionalString(identity.id, "id")),
    tenant: "default",
    ...dates,
    emails,
    phones,
    passwordHash: password,
    webauthn,
    factors: null,
    authfi: null,
    // Kratos lets no inactive identity log in and keeps its credentials for reactivation: it comes
    // in locked (an operator's UnlockUser reactivates it), locked since Kratos deactivated it.
    locked: state === "inactive" ? { at: time(identity.state_changed_at, "state_changed_at") ?? dates.updatedAt ?? new Date().toISOString(), reason: inactiveReason } : null,
  };
}

/** The lock note of an identity that was inactive in Kratos. */
export const inactiveReason = "inactive in Kratos (imported)";

/** The addresses Kratos marked verified, normalised as the traits are. */
function verifiedAddresses(identity: Json): Set<string> {
  const verified = new Set<string>();
  for (const [index, item] of list(identity.verifiable_addresses, "verifiable_addresses").entries()) {
    const address = object(item, `verifiable_addresses[${index}]`);
    if (!flag(address.verified, `verifiable_addresses[${index}].verified`)) continue;
    const value = string(address.value, `verifiable_addresses[${index}].value`);
    verified.add(address.via === "sms" ? normalizedOr(() => normalizePhone(value), value) : value.trim().toLowerCase());
  }
  return verified;
}

function passwordOf(password: Json): string | null {
  const config = object(password.config ?? {}, "credentials.password.config");
  if (config.password !== undefined) refuse("credentials.password.config.password (a clear password) is not imported: give hashed_password");
  return passwordHash(config.hashed_password, "credentials.password.config.hashed_password");
}

function webauthnOf(value: unknown, path: string): TransferCredential[] {
  if (value === undefined || value === null) return [];
  const config = object(object(value, path).config ?? {}, `${path}.config`);
  const handle = optionalString(config.user_handle, `${path}.config.user_handle`);
  const userHandle = handle === undefined ? null : binary(handle, `${path}.config.user_handle`, 64);
  return list(config.credentials, `${path}.config.credentials`).map((item, index) => {
    const at = `${path}.config.credentials[${index}]`;
    const credential = object(item, at);
    const authenticator = object(credential.authenticator ?? {}, `${at}.authenticator`);
    const flags = object(credential.flags ?? {}, `${at}.flags`);
    const createdAt = time(credential.added_at, `${at}.added_at`);
    return {
      credentialId: binary(credential.id, `${at}.id`),
      publicKey: cosePublicKey(credential.public_key, `${at}.public_key`),
      signCount: counter(authenticator.sign_count, `${at}.authenticator.sign_count`),
      transports: [],
      aaguid: aaguid(authenticator.aaguid, `${at}.authenticator.aaguid`),
      backupEligible: flag(flags.backup_eligible, `${at}.flags.backup_eligible`),
      backedUp: flag(flags.backup_state, `${at}.flags.backup_state`),
      userHandle,
      name: optionalString(credential.display_name, `${at}.display_name`) ?? null,
      product: "hanko",
      ...(createdAt === undefined ? {} : { createdAt }),
      lastUsedAt: null,
    };
  });
}

function normalizedOr(normalize: () => string, fallback: string): string {
  try {
    return normalize();
  } catch {
    return fallback;
  }
}
