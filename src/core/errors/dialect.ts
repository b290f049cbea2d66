import { STATUS_CODES } from "node:http";
import type { ErrorKind } from "./domain-error.js";
import type { Reason } from "./reasons.js";

/** What a REST error answer is built from: a DomainError, or a transport failure. */
export interface Problem {
  reason: Reason;
  kind: ErrorKind;
  message: string;
  details?: Record<string, unknown> | undefined;
}

/** A rendered REST error. */
export interface ErrorAnswer {
  status: number;
  body: unknown;
}

/** How one seed API answers errors: the status and body it gives for a problem. */
export interface ErrorDialect {
  readonly name: string;
  render(problem: Problem): ErrorAnswer;
}

/** What a dialect declares for one reason; `status` overrides the kind's, the rest is its own. */
export interface ReasonEntry {
  status?: number;
  message?: string;
  [extra: string]: unknown;
}

/** The declaration of a dialect: data, plus the function that shapes its body. */
export interface DialectDefinition {
  name: string;
  statusByKind?: Partial<Record<ErrorKind, number>>;
  /** What the dialect declares per reason: keyed by the closed union, so a misspelt reason fails typecheck. */
  reasons: ReasonTable;
  body(status: number, message: string, problem: Problem, entry: ReasonEntry): unknown;
}

/** A dialect's entries by reason. */
export type ReasonTable = Partial<Record<Reason, ReasonEntry>>;

/** Statuses every dialect starts from. */
const defaultStatusByKind: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition: 412,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/** Reasons the transport itself raises, the same in every API. */
const transportReasons: ReasonTable = {
  ROUTE_NOT_FOUND: { status: 404 },
  METHOD_NOT_ALLOWED: { status: 405 },
  MALFORMED_BODY: { status: 400 },
  INVALID_FIELD: { status: 400 },
  BODY_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  // An unsafe request from a browser page whose origin CORS refuses (src/transport/cors.ts).
  ORIGIN_NOT_ALLOWED: { status: 403 },
  INTERNAL: { status: 500 },
  // A database outage (src/core/errors/database-error.ts): a fault of the moment, try again.
  UNAVAILABLE: { status: 503 },
};

/** Builds a dialect from its declaration. */
export function defineDialect(definition: DialectDefinition): ErrorDialect {
  const statusByKind = { ...defaultStatusByKind, ...definition.statusByKind };
  const reasons: ReasonTable = { ...transportReasons, ...definition.reasons };
  return {
    name: definition.name,
    render(problem) {
      const entry = reasons[problem.reason] ?? {};
      const status = entry.status ?? statusByKind[problem.kind];
      const message = entry.message ?? (problem.kind === "internal" ? statusText(status) : problem.message);
      return { status, body: definition.body(status, message, problem, entry) };
    },
  };
}

/** The standard reason phrase of an HTTP status. */
export function statusText(status: number): string {
  return STATUS_CODES[status] ?? "Error";
}
