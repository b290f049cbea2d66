import { defineDialect } from "../../core/errors/dialect.js";

/**
 * AuthFi answers `{code, message}` with its numeric code (seed 003, "Error Codes"). Every
 * failure a client causes is a 4xx; only 7000 and 8000 are 5xx. A reason declares its code.
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
    AUTHFI_UNAUTHENTICATED: { status: 401, code: 1000 },
    AUTHFI_ACCESS_POINT_BLOCKED: { status: 403, code: 1001 },
    AUTHFI_INVALID_PARAMETER: { status: 400, code: 1002 },
    AUTHFI_USER_NOT_FOUND: { status: 404, code: 1002 },
    AUTHFI_KEY_NOT_FOUND: { status: 404, code: 1002 },
    AUTHFI_KEY_EXISTS: { status: 409, code: 1002 },
    AUTHFI_USER_SUSPENDED: { status: 403, code: 2000 },
    // An operator locked the account (tessera.admin.v1 LockUser): AuthFi's "user suspended".
    USER_LOCKED: { status: 403, code: 2000 },
    AUTHFI_USER_CAP: { status: 403, code: 3000 },
    AUTHFI_KEY_LIMIT: { status: 409, code: 3001 },
    AUTHFI_MALFORMED_REGISTRATION: { status: 400, code: 3100 },
    AUTHFI_ATTESTATION_INVALID: { status: 400, code: 3200 },
    AUTHFI_ATTESTATION_FIDO_U2F: { status: 400, code: 3300 },
    AUTHFI_ATTESTATION_PACKED: { status: 400, code: 3400 },
    AUTHFI_ATTESTATION_TPM: { status: 400, code: 3500 },
    AUTHFI_ATTESTATION_ANDROID_SAFETYNET: { status: 400, code: 3600 },
    AUTHFI_ATTESTATION_ANDROID_KEY: { status: 400, code: 3700 },
    AUTHFI_ATTESTATION_APPLE: { status: 400, code: 3800 },
    AUTHFI_MALFORMED_ASSERTION: { status: 400, code: 3900 },
    AUTHFI_ASSERTION_REFUSED: { status: 401, code: 3900 },
    AUTHFI_CLIENT_DATA_INVALID: { status: 400, code: 4000 },
    AUTHFI_AUTHENTICATOR_DATA_INVALID: { status: 400, code: 4100 },
    AUTHFI_FLAGS_INVALID: { status: 400, code: 4200 },
    // 410 rather than 408: clients and proxies may resend a request answered 408.
    AUTHFI_CEREMONY_TIMEOUT: { status: 410, code: 5000 },
    AUTHFI_DATA_INCONSISTENT: { status: 500, code: 7000 },
    INTERNAL: { status: 500, code: 8000 },
    UNAVAILABLE: { status: 503, code: 8000 },
  },
  body: (status, message, _problem, entry) => ({
    code: typeof entry.code === "number" ? entry.code : status >= 500 ? 8000 : 1002,
    message,
  }),
});
