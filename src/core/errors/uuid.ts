import { DomainError } from "./domain-error.js";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a UUID in its canonical textual form. */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** Returns `value` lower-cased, or throws INVALID_UUID (invalid) naming `field`. */
export function requireUuid(value: string, field: string): string {
  if (!isUuid(value)) {
    throw new DomainError("INVALID_UUID", "invalid", `${field} must be a UUID`, { details: { details: [{ path: field, error: "must be a UUID" }] } });
  }
  return value.toLowerCase();
}
