import { DomainError, type ErrorKind } from "../../core/errors/domain-error.js";
import type { Reason } from "../../core/errors/reasons.js";

/**
 * AuthFi's failures (seed 003, "Error Codes"), by reason. The AuthFi dialect
 * (`src/products/authfi/dialect.ts`) gives each its numeric code and HTTP status.
 */
export const authfiReasons = {
  /** 1000: no or wrong API key, or an unknown access point. */
  unauthenticated: ["AUTHFI_UNAUTHENTICATED", "unauthenticated"],
  /** 1001: the access point is suspended. */
  blocked: ["AUTHFI_ACCESS_POINT_BLOCKED", "forbidden"],
  /** 1002: a parameter that cannot be accepted. */
  invalidParameter: ["AUTHFI_INVALID_PARAMETER", "invalid"],
  /** 1002: no such user at this access point. */
  userNotFound: ["AUTHFI_USER_NOT_FOUND", "not_found"],
  /** 1002: no such key (credential id) at this access point, or not the user's. */
  keyNotFound: ["AUTHFI_KEY_NOT_FOUND", "not_found"],
  /** 1002: the key is already registered at this access point. */
  keyExists: ["AUTHFI_KEY_EXISTS", "conflict"],
  /** 2000: the user is suspended. */
  userSuspended: ["AUTHFI_USER_SUSPENDED", "forbidden"],
  /** 3000: the access point's user cap is reached. */
  userCap: ["AUTHFI_USER_CAP", "forbidden"],
  /** 3001: the user already holds 10 keys. */
  keyLimit: ["AUTHFI_KEY_LIMIT", "conflict"],
  /** 3100: `fido_register_response` missing, malformed or not parseable. */
  malformedRegistration: ["AUTHFI_MALFORMED_REGISTRATION", "invalid"],
  /** 3900: `fido_login_response` / `fido_auth_response` missing or malformed. */
  malformedAssertion: ["AUTHFI_MALFORMED_ASSERTION", "invalid"],
  /** 3900: an assertion that does not verify (signature, counter, user handle). */
  assertionRefused: ["AUTHFI_ASSERTION_REFUSED", "unauthenticated"],
  /** 4000: clientDataJSON malformed, or not of this ceremony, origin or a live challenge. */
  clientData: ["AUTHFI_CLIENT_DATA_INVALID", "invalid"],
  /** 4100: authenticator data malformed or of another RP id. */
  authenticatorData: ["AUTHFI_AUTHENTICATOR_DATA_INVALID", "invalid"],
  /** 4200: user presence missing, or user verification missing when required. */
  flags: ["AUTHFI_FLAGS_INVALID", "invalid"],
  /** 5000: the ceremony outlived its timeout. */
  timeout: ["AUTHFI_CEREMONY_TIMEOUT", "precondition"],
  /** 7000: stored data with a value it cannot have (a key whose user has no AuthFi record). */
  inconsistent: ["AUTHFI_DATA_INCONSISTENT", "internal"],
} as const satisfies Record<string, readonly [Reason, ErrorKind]>;

/** The reasons of attestation statements that do not verify, by attestation format. */
const attestationReasons: Record<string, Reason> = {
  none: "AUTHFI_ATTESTATION_INVALID",
  "fido-u2f": "AUTHFI_ATTESTATION_FIDO_U2F",
  packed: "AUTHFI_ATTESTATION_PACKED",
  tpm: "AUTHFI_ATTESTATION_TPM",
  "android-safetynet": "AUTHFI_ATTESTATION_ANDROID_SAFETYNET",
  "android-key": "AUTHFI_ATTESTATION_ANDROID_KEY",
  apple: "AUTHFI_ATTESTATION_APPLE",
};

/** An AuthFi failure. */
export function authfiError(which: keyof typeof authfiReasons, message: string, cause?: unknown): DomainError {
  const [reason, kind] = authfiReasons[which];
  return new DomainError(reason, kind, message, { cause });
}

/** 3200–3800: the attestation statement of format `fmt` does not verify (3200 for none or unknown). */
export function attestationError(fmt: string, cause?: unknown): DomainError {
  const reason = attestationReasons[fmt] ?? "AUTHFI_ATTESTATION_INVALID";
  return new DomainError(reason, "invalid", `the ${fmt} attestation is not to the FIDO2 specification`, { cause });
}
