import { DomainError } from "../errors/domain-error.js";
import type { WebauthnFailure } from "./webauthn-policy.js";

/**
 * Tessera's own WebAuthn reasons (Hanko's and the Authenticator API's): a response that cannot
 * be read is WEBAUTHN_MALFORMED_ASSERTION (invalid) at login, WEBAUTHN_REGISTRATION_FAILED
 * (invalid) at registration; whatever else fails a login is WEBAUTHN_LOGIN_FAILED
 * (unauthenticated), whichever check it was, so that an unknown credential, another user's
 * and a bad signature answer alike.
 */
export function webauthnRefusal(failure: WebauthnFailure, limit: number): DomainError {
  const { cause } = failure;
  if (failure.kind === "credential_limit") return new DomainError("CREDENTIAL_LIMIT", "conflict", `a user can hold at most ${limit} credentials`);
  if (failure.kind === "credential_exists") return new DomainError("CREDENTIAL_EXISTS", "conflict", "the credential is already registered");
  if (failure.kind === "no_credentials") return new DomainError("UNKNOWN_USER", "invalid", "the user has no WebAuthn credential");
  if (failure.ceremony === "registration") return new DomainError("WEBAUTHN_REGISTRATION_FAILED", "invalid", "the attestation could not be verified", { cause });
  if (failure.kind === "malformed") return new DomainError("WEBAUTHN_MALFORMED_ASSERTION", "invalid", "the assertion is malformed", { cause });
  return new DomainError("WEBAUTHN_LOGIN_FAILED", "unauthenticated", "Unauthorized", { cause });
}
