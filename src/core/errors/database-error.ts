import { DomainError } from "./domain-error.js";

/** Socket-level failures: the database cannot be reached or the connection broke. */
const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * SQLSTATEs that say "not now" rather than "wrong": 57P01–57P03 (shutdown, crash, cannot connect
 * now), 57014 (statement timeout), 53300 (too many connections), 40001/40P01 (serialization
 * failure, deadlock: the transaction rolled back and may be retried), 25P03 (idle in transaction
 * timeout). Class 08 (connection exception) is matched by its prefix.
 */
const unavailableStates = new Set(["57P01", "57P02", "57P03", "57014", "53300", "40001", "40P01", "25P03"]);

/** Messages of `pg`, `pg-pool` and PGlite that carry no code. */
const unavailableMessages = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /Client has encountered a connection error/i,
  /Cannot use a pool after calling end/i,
  /Client was closed and is not queryable/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /PGlite is closed/i,
  /Query read timeout/i,
];

/**
 * True when `error` (or a cause it wraps) means the database is unreachable, broke the
 * connection, is restarting, or ran out of time or connections: a fault of the moment that a
 * retry may cure, never the request's fault and never a bug.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (typeof current !== "object") return false;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === "string" && (networkCodes.has(code) || unavailableStates.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (typeof message === "string" && unavailableMessages.some((pattern) => pattern.test(message))) return true;
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The one DomainError every database outage becomes: REST 503 with Retry-After, RPC UNAVAILABLE. */
export function databaseUnavailable(cause: unknown): DomainError {
  return new DomainError("UNAVAILABLE", "unavailable", "the service is temporarily unavailable; try again shortly", { cause });
}

/**
 * The DomainError a database failure stands for, or undefined when it stands for none (a bug,
 * logged as such). An outage is `unavailable` (see isDatabaseUnavailable). SQLSTATE class 22
 * ("data exception": a NUL character in text, a malformed UUID, a number out of range, …) is
 * the request's fault and answers as an invalid field, never as a server error.
 */
export function fromDatabaseError(error: unknown): DomainError | undefined {
  if (isDatabaseUnavailable(error)) return databaseUnavailable(error);
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== "string" || !code.startsWith("22")) return undefined;
  return new DomainError("INVALID_FIELD", "invalid", "a value in the request cannot be stored (e.g. a NUL character or a malformed id)", { cause: error });
}
