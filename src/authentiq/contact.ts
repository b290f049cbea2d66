import { DomainError } from "../errors/domain-error.js";
import { normalizeEmail } from "../identity/email-address.js";
import type { SecretBox } from "../keys/secret-box.js";

/** An email address and phone number, normalised. */
export interface Contact {
  email: string;
  phone: string;
}

/**
 * Normalises a phone number in international representation (E.164): `+`, then 7 to 15
 * digits; spaces, dots, dashes and parentheses are dropped. Throws INVALID_PHONE.
 */
export function normalizePhone(input: string): string {
  const phone = input.trim().replace(/[\s.()-]/g, "");
  if (!/^\+[1-9]\d{6,14}$/.test(phone)) throw new DomainError("INVALID_PHONE", "invalid", "phone must be an international number: + and 7 to 15 digits");
  return phone;
}

/** Normalises both; throws INVALID_EMAIL or INVALID_PHONE. */
export function normalizeContact(email: string, phone: string): Contact {
  return { email: normalizeEmail(email), phone: normalizePhone(phone) };
}

/** Keyed hashes of a contact: each part, and the pair (what revocation looks up). */
export function hashContact(secrets: SecretBox, contact: Contact): { email: Buffer; phone: Buffer; pair: Buffer } {
  return {
    email: secrets.hash(contact.email, "authentiq:email"),
    phone: secrets.hash(contact.phone, "authentiq:phone"),
    pair: secrets.hash(`${contact.email}\n${contact.phone}`, "authentiq:contact"),
  };
}
