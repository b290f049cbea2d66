import type { Reason } from "./reasons.js";

/**
 * The transport-neutral kinds of failure a service reports. The Connect code table and each
 * REST error dialect map these (and, where a seed is specific, the reason) to their answers.
 */
export type ErrorKind =
  | "invalid"
  | "not_found"
  | "conflict"
  | "precondition"
  | "unauthenticated"
  | "forbidden"
  | "rate_limited"
  | "unavailable"
  /** A fault of the server's own (e.g. stored data that contradicts itself): logged, never detailed to the client. */
  | "internal";

/** Every kind, for exhaustive tables and for validating input that names a kind. */
export const errorKinds: readonly ErrorKind[] = [
  "invalid",
  "not_found",
  "conflict",
  "precondition",
  "unauthenticated",
  "forbidden",
  "rate_limited",
  "unavailable",
  "internal",
];

/**
 * A failure a service expects and a client may see: `reason` is a stable SCREAMING_SNAKE
 * code of the closed union in `reasons.ts`, `kind` says what sort of failure it is, `cause` is kept for the log only.
 */
export class DomainError extends Error {
  override readonly name = "DomainError";

  constructor(
    readonly reason: Reason,
    readonly kind: ErrorKind,
    message?: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message ?? reason, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }

  /** Extra client-visible data a dialect may render (e.g. Jincor's `details`, `data`). */
  readonly details: Record<string, unknown> | undefined;
}

/** True when `value` is a DomainError. */
export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
