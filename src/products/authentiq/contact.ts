import { normalizeEmail } from "../../core/identity/email-address.js";
import { normalizePhone } from "../../core/identity/phone-number.js";
import type { SecretBox } from "../../core/keys/secret-box.js";

/** An email address and phone number, normalised. */
export interface Contact {
  email: string;
  phone: string;
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
