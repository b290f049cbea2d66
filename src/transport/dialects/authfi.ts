import { defineDialect } from "./dialect.js";

/**
 * AuthFi answers `{code, message}` with its numeric code (seed 003, "Error Codes"): 1002 for
 * parameters it cannot accept, 8000 for anything unexpected. A reason declares its code.
 */
export const authfiDialect = defineDialect({
  name: "authfi",
  reasons: {
    ROUTE_NOT_FOUND: { status: 404, code: 1002 },
    METHOD_NOT_ALLOWED: { status: 405, code: 1002 },
    MALFORMED_BODY: { status: 400, code: 1002 },
    INVALID_FIELD: { status: 400, code: 1002 },
    BODY_TOO_LARGE: { status: 413, code: 1002 },
    UNSUPPORTED_MEDIA_TYPE: { status: 415, code: 1002 },
    INTERNAL: { status: 500, code: 8000 },
  },
  body: (status, message, _problem, entry) => ({
    code: typeof entry.code === "number" ? entry.code : status >= 500 ? 8000 : 1002,
    message,
  }),
});
