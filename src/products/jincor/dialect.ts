import { defineDialect } from "../../core/errors/dialect.js";

/**
 * Jincor VERIFY answers `{status, error}` with the HTTP status in `status`; invalid input is
 * 422 `Invalid request` with `details: [{path, error}]` (seed 001).
 */
export const jincorDialect = defineDialect({
  name: "jincor",
  statusByKind: { invalid: 422 },
  reasons: {
    MALFORMED_BODY: { status: 422, message: "Invalid request" },
    INVALID_FIELD: { status: 422, message: "Invalid request" },
    ROUTE_NOT_FOUND: { status: 404, message: "Not found" },
    INVALID_REQUEST: { status: 422, message: "Invalid request" },
    VERIFICATION_ID_TAKEN: { status: 422, message: "Invalid request" },
    INVALID_CODE: { status: 422, message: "Invalid code" },
    METHOD_NOT_SUPPORTED: { status: 404, message: "Method not supported" },
    VERIFICATION_NOT_FOUND: { status: 404, message: "Not found" },
    SERVICE_UNAUTHENTICATED: { status: 401, message: "Not Authorized" },
    // An operator locked the account (tessera.admin.v1 LockUser).
    USER_LOCKED: { status: 403, message: "Account locked" },
  },
  body: (status, message, problem) => ({
    status,
    error: message,
    ...(problem.details?.details === undefined ? {} : { details: problem.details.details }),
    ...(problem.details?.data === undefined ? {} : { data: problem.details.data }),
  }),
});
