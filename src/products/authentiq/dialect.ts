import { defineDialect } from "../../core/errors/dialect.js";

/**
 * Authentiq answers its Error object `{error, title, detail, type}`: the HTTP status in
 * `error`, the documented tag (`unknown-key`, `rate-limit`, …) in `type` and `title` (seed 000;
 * DESIGN.md's deployment contract). A reason's tag is its name in kebab case unless declared.
 */
export const authentiqDialect = defineDialect({
  name: "authentiq",
  reasons: {
    ROUTE_NOT_FOUND: { status: 404, tag: "not-found" },
    METHOD_NOT_ALLOWED: { status: 405, tag: "not-supported" },
    MALFORMED_BODY: { status: 400, tag: "bad-request" },
    INVALID_FIELD: { status: 400, tag: "bad-request" },
    INTERNAL: { status: 500, tag: "server-error" },
    INVALID_JWT: { status: 400, tag: "bad-request" },
    INVALID_KEY: { status: 400, tag: "bad-request" },
    AUTH_ERROR: { status: 401, tag: "auth-error" },
    DUPLICATE_KEY: { status: 409, tag: "duplicate-key" },
    UNKNOWN_KEY: { status: 404, tag: "unknown-key" },
    REVOKED_KEY: { status: 410, tag: "revoked-key" },
    INVALID_EMAIL: { status: 400, tag: "bad-request" },
    INVALID_PHONE: { status: 400, tag: "bad-request" },
    INVALID_CALLBACK: { status: 400, tag: "bad-request" },
    DUPLICATE_HASH: { status: 409, tag: "duplicate-hash" },
    CONFIRM_FIRST: { status: 409, tag: "confirm-first" },
    AUD_ERROR: { status: 401, tag: "aud-error" },
    UNKNOWN_JOB: { status: 404, tag: "unknown-job" },
    NOT_SUPPORTED: { status: 405, tag: "not-supported" },
    RATE_LIMIT: { status: 429, tag: "rate-limit" },
    // An operator locked the account (tessera.admin.v1 LockUser).
    USER_LOCKED: { status: 403, tag: "user-locked" },
  },
  body: (status, message, problem, entry) => {
    const tag = typeof entry.tag === "string" ? entry.tag : problem.reason.toLowerCase().replaceAll("_", "-");
    return { error: status, title: tag, detail: message, type: tag };
  },
});
