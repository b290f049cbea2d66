import { defineDialect } from "../core/errors/dialect.js";
import type { ErrorKind } from "../core/errors/domain-error.js";

/** The snake_case gRPC code name of each kind, as `src/transport/error-codes.ts` maps kinds to codes. */
const codeNameByKind: Record<ErrorKind, string> = {
  invalid: "invalid_argument",
  not_found: "not_found",
  conflict: "already_exists",
  precondition: "failed_precondition",
  unauthenticated: "unauthenticated",
  forbidden: "permission_denied",
  rate_limited: "resource_exhausted",
  unavailable: "unavailable",
  internal: "internal",
};

/**
 * The admin API (tessera.admin.v1, REST under `/admin/` on the management port) answers
 * `{error, message}`: `error` is the snake_case name of the gRPC code an RPC caller gets for the
 * same failure, so REST and RPC callers switch on the same words. Unknown paths and wrong methods
 * answer `not_found` and `method_not_allowed`, as the management port's own paths do.
 */
export const adminDialect = defineDialect({
  name: "admin",
  reasons: {
    ROUTE_NOT_FOUND: { status: 404, error: "not_found" },
    METHOD_NOT_ALLOWED: { status: 405, error: "method_not_allowed" },
    BODY_TOO_LARGE: { status: 413, error: "invalid_argument" },
    UNSUPPORTED_MEDIA_TYPE: { status: 415, error: "invalid_argument" },
    USER_LOCKED: { status: 403 },
  },
  body: (_status, message, problem, entry) => ({
    error: typeof entry.error === "string" ? entry.error : codeNameByKind[problem.kind],
    message,
  }),
});
