import { defineDialect, statusText } from "../../core/errors/dialect.js";

/** Hanko answers `{code, message}` with the HTTP status in `code` (seed 004, `Error`). */
export const hankoDialect = defineDialect({
  name: "hanko",
  statusByKind: { precondition: 400 },
  reasons: {
    // The status page answers 500 when the database is unreachable (seed 004, `GET /`), as
    // monitors of Hanko expect; every other route answers an outage 503 (UNAVAILABLE).
    DATABASE_UNAVAILABLE: { status: 500, message: "Internal Server Error" },
    SIGNUP_DISABLED: { status: 403 },
    EMAIL_TAKEN: { status: 409 },
    USER_NOT_FOUND: { status: 404 },
    // Hanko's passcode statuses (seed 004, `POST /passcode/login/finalize`).
    PASSCODE_EXPIRED: { status: 408 },
    PASSCODE_EXHAUSTED: { status: 410 },
    TOKEN_INVALID: { status: 422 },
    // An operator locked the account (tessera.admin.v1 LockUser).
    USER_LOCKED: { status: 403, message: "account locked" },
  },
  body: (status, message) => ({ code: status, message: message || statusText(status) }),
});
