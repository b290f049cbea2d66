import { DomainError } from "../errors/domain-error.js";

/**
 * Normalises an email address for storage and lookup: trimmed and lower-cased. Throws
 * INVALID_EMAIL (invalid) for a missing address, one over 254 characters (RFC 5321 §4.5.3.1),
 * or one that is not `local@domain.tld`-shaped.
 */
export function normalizeEmail(input: string): string {
  const email = input.trim().toLowerCase();
  if (email === "") throw new DomainError("INVALID_EMAIL", "invalid", "email is required", { details: { details: [{ path: "email", error: "required" }] } });
  if (email.length > 254 || !/^[^\s@"<>()[\],;:]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(email)) {
    throw new DomainError("INVALID_EMAIL", "invalid", "email is not a valid email address", { details: { details: [{ path: "email", error: "invalid" }] } });
  }
  return email;
}
