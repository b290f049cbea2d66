import { DomainError } from "../errors/domain-error.js";

/**
 * Normalises a phone number for storage and lookup: `+` and its digits (E.164 shape, 7 to 15
 * digits), spaces, dots, dashes and parentheses dropped. Throws INVALID_PHONE (invalid).
 */
export function normalizePhone(input: string): string {
  const digits = input.trim().replace(/[\s().-]/g, "");
  if (!/^\+?[1-9]\d{6,14}$/.test(digits)) {
    throw new DomainError("INVALID_PHONE", "invalid", "phone is not a valid phone number", { details: { details: [{ path: "phone", error: "invalid" }] } });
  }
  return digits.startsWith("+") ? digits : `+${digits}`;
}
