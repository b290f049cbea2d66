import { DomainError, isDomainError } from "../../core/errors/domain-error.js";
import { normalizeEmail } from "../../core/identity/email-address.js";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import { normalizePhone } from "../../core/identity/phone-number.js";

/** How a user is reached: an email address or a phone number, normalised. */
export interface Contact {
  channel: "email" | "phone";
  address: string;
}

/** A contact as a limit key: counted alike whether or not an account holds it. */
export function contactKey(contact: Contact): readonly string[] {
  return ["contact", contact.channel, contact.address];
}

/** The seed's refusal of a bad field: 400 `{error: {code: "invalid_field", message}}`. */
export function invalidField(message: string, cause?: unknown): DomainError {
  return new DomainError("INVALID_FIELD", "invalid", message, { cause });
}

/**
 * The contact a sign-up or login names: exactly one of `email` and `phone`. Throws
 * INVALID_FIELD when both or neither are given, or the one given is malformed.
 */
export function parseContact(email: string, phone: string): Contact {
  if (email !== "" && phone !== "") throw invalidField("Give either an email address or a phone number");
  try {
    if (email !== "") return { channel: "email", address: normalizeEmail(email) };
    if (phone !== "") return { channel: "phone", address: normalizePhone(phone) };
  } catch (error) {
    if (isDomainError(error)) throw invalidField(email !== "" ? "Email address is invalid" : "Phone number is invalid", error);
    throw error;
  }
  throw invalidField("Email address or phone number is required");
}

/** The id of the user holding the contact. */
export async function findUserIdByContact(identities: Pick<IdentityStore<unknown>, "findUserByEmail" | "findUserIdByPhone">, contact: Contact): Promise<string | undefined> {
  if (contact.channel === "email") return (await identities.findUserByEmail(contact.address, []))?.userId;
  return identities.findUserIdByPhone(contact.address);
}

/** The user's name for WebAuthn and TOTP labels: their primary email, else their phone, else their id. */
export async function contactName(identities: Pick<IdentityStore<unknown>, "findContactAddress">, userId: string): Promise<string> {
  return (await identities.findContactAddress(userId)) ?? userId;
}
