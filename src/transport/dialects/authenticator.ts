import { defineDialect } from "./dialect.js";

/**
 * The "Authenticator API" answers `{error: {code, message}}` with a snake_case `code`
 * (seed 002, e.g. `invalid_field`). A reason's code is its name in snake case unless declared.
 */
export const authenticatorDialect = defineDialect({
  name: "authenticator",
  reasons: {
    ROUTE_NOT_FOUND: { status: 404, code: "not_found" },
    METHOD_NOT_ALLOWED: { status: 405, code: "method_not_allowed" },
    MALFORMED_BODY: { status: 400, code: "invalid_json" },
    INVALID_FIELD: { status: 400, code: "invalid_field" },
    INTERNAL: { status: 500, code: "internal" },
  },
  body: (_status, message, problem, entry) => ({
    error: { code: typeof entry.code === "string" ? entry.code : problem.reason.toLowerCase(), message },
  }),
});
