import type { AttestationConveyancePreference, AuthenticatorSelectionCriteria, UserVerificationRequirement } from "@simplewebauthn/server";
import { authfiError } from "./authfi-errors.js";

/** `params` of a registration, as received. */
export interface RegistrationParams {
  name: string;
  displayName: string;
  authenticatorAttachment: string;
  residentKey: string;
  requireResidentKey: boolean;
  userVerification: string;
  attestation: string;
}

/** Registration options checked: 1002 for a missing name or a value WebAuthn does not know. */
export interface CheckedRegistration {
  name: string;
  displayName: string;
  selection: AuthenticatorSelectionCriteria;
  attestation: AttestationConveyancePreference;
}

const oneOf = <T extends string>(value: string, allowed: readonly T[], field: string, fallback: T): T => {
  if (value === "") return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw authfiError("invalidParameter", `${field} must be one of ${allowed.join(", ")}`);
  return value as T;
};

/** The `userVerification` of a ceremony; `preferred` when empty (the seed's `prefered` too). */
export function checkUserVerification(value: string): UserVerificationRequirement {
  return oneOf(value === "prefered" ? "preferred" : value, ["required", "preferred", "discouraged"] as const, "userVerification", "preferred");
}

/** Checks the `params` of a registration. */
export function checkRegistrationParams(params: RegistrationParams): CheckedRegistration {
  const name = params.name.trim();
  if (name === "" || [...name].length > 256) throw authfiError("invalidParameter", "params.user.name must be 1 to 256 characters");
  const displayName = params.displayName.trim() === "" ? name : params.displayName.trim();
  if ([...displayName].length > 256) throw authfiError("invalidParameter", "params.user.displayName must be at most 256 characters");
  const attachment = oneOf(params.authenticatorAttachment, ["platform", "cross-platform", ""] as const, "authenticatorAttachment", "");
  const residentKey = oneOf(params.residentKey, ["required", "preferred", "discouraged", ""] as const, "residentKey", "");
  const selection: AuthenticatorSelectionCriteria = {
    ...(attachment === "" ? {} : { authenticatorAttachment: attachment }),
    ...(residentKey === "" ? {} : { residentKey }),
    requireResidentKey: residentKey === "" ? params.requireResidentKey : residentKey === "required",
    userVerification: checkUserVerification(params.userVerification),
  };
  const attestation = oneOf(params.attestation, ["none", "indirect", "direct"] as const, "attestation", "none");
  return { name, displayName, selection, attestation };
}
