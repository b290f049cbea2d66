import { defineDialect } from "../../core/errors/dialect.js";

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
    UNAVAILABLE: { status: 503, code: "unavailable" },
    TOO_MANY_ATTEMPTS: { status: 429, code: "rate_limited" },
    // A bad contact or id is a bad field, whichever shared check found it.
    INVALID_EMAIL: { status: 400, code: "invalid_field" },
    INVALID_PHONE: { status: 400, code: "invalid_field" },
    INVALID_UUID: { status: 400, code: "invalid_field" },
    // The seed's WebAuthn failures all carry `code: "webauthn"`.
    WEBAUTHN_REGISTRATION_FAILED: { status: 400, code: "webauthn" },
    WEBAUTHN_MALFORMED_ASSERTION: { status: 400, code: "webauthn" },
    WEBAUTHN_LOGIN_FAILED: { status: 401, code: "webauthn" },
    // An operator locked the account (tessera.admin.v1 LockUser).
    USER_LOCKED: { status: 403, code: "user_locked" },
  },
  body: (_status, message, problem, entry) => ({
    error: { code: typeof entry.code === "string" ? entry.code : problem.reason.toLowerCase(), message },
  }),
});
