import { DomainError } from "./domain-error.js";

/**
 * The DomainError a database failure stands for, when the data a client sent caused it:
 * SQLSTATE class 22 ("data exception": a NUL character in text, a malformed UUID, a number out of
 * range, …) is the request's fault and answers as an invalid field, never as a server error.
 * Undefined for every other failure.
 */
export function fromDatabaseError(error: unknown): DomainError | undefined {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== "string" || !code.startsWith("22")) return undefined;
  return new DomainError("INVALID_FIELD", "invalid", "a value in the request cannot be stored (e.g. a NUL character or a malformed id)", { cause: error });
}
