import type { DomainError } from "../../core/errors/domain-error.js";
import type { WebauthnFailure, WebauthnPolicy } from "../../core/webauthn/webauthn-policy.js";
import { attestationError, authfiError } from "./authfi-errors.js";

/** Keys one AuthFi user may hold (seed 003, code 3001). */
export const maxKeysPerUser = 10;

/** AuthFi's code for each refusal of the WebAuthn ceremony (seed 003, "Error Codes"). */
function refuse(failure: WebauthnFailure): DomainError {
  const { cause } = failure;
  switch (failure.kind) {
    case "malformed":
      return failure.ceremony === "login" ? authfiError("malformedAssertion", "the assertion is malformed", cause) : authfiError("malformedRegistration", "fido_register_response is malformed", cause);
    case "challenge_unknown":
    case "user_mismatch":
      return authfiError("clientData", "clientDataJSON carries a challenge this access point did not issue for this ceremony, or already used");
    case "challenge_expired":
      return authfiError("timeout", "the ceremony took longer than its timeout");
    case "no_credentials":
      return authfiError("keyNotFound", "the user has no key");
    case "credential_unknown":
      return authfiError("keyNotFound", "no such key for this ceremony");
    case "user_handle":
      return authfiError("assertionRefused", "the user handle is not the key's user");
    case "signature":
      return failure.ceremony === "registration" ? attestationError(failure.format ?? "", cause) : authfiError("assertionRefused", "the assertion does not verify", cause);
    case "counter":
      return authfiError("assertionRefused", "the assertion does not verify: its counter did not grow", cause);
    case "credential_limit":
      return authfiError("keyLimit", `a user can register at most ${maxKeysPerUser} keys`);
    case "credential_exists":
      return authfiError("keyExists", "the key is already registered at this access point");
  }
}

/**
 * AuthFi's WebAuthn (seed 003): 300 s ceremonies, 10 keys per user, the options each call asks
 * for (attestation, authenticator selection, user verification), its numeric codes.
 */
export const authfiWebauthnPolicy: WebauthnPolicy = {
  product: "authfi",
  timeoutMs: 300_000,
  maxCredentialsPerUser: maxKeysPerUser,
  credentials: { lists: ["authfi"], logsInWith: ["authfi"], manages: ["authfi"] },
  registration: { attestation: "none", authenticatorSelection: { userVerification: "preferred" } },
  loginUserVerification: "preferred",
  refuse,
};
