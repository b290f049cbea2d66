import { DomainError } from "../../core/errors/domain-error.js";
import type { WebauthnPolicy } from "../../core/webauthn/webauthn-policy.js";
import { webauthnRefusal } from "../../core/webauthn/webauthn-refusal.js";

/** Devices one user may hold: at least 10 registrations always pass. */
const maxDevices = 20;

/**
 * The Authenticator API's devices (seed 002, Device API): the seed's creation options (direct
 * attestation, a cross-platform authenticator, no resident key, its algorithms in its order:
 * ES256, ES384, ES512, RS256, RS384, RS512, PS256, PS384, PS512, EdDSA), 60 s ceremonies, and
 * NO_DEVICE for a login challenge of a user without any.
 */
export const authenticatorWebauthnPolicy: WebauthnPolicy = {
  product: "authenticator",
  timeoutMs: 60_000,
  maxCredentialsPerUser: maxDevices,
  registration: {
    attestation: "direct",
    authenticatorSelection: { authenticatorAttachment: "cross-platform", residentKey: "discouraged", requireResidentKey: false, userVerification: "preferred" },
    algorithms: [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8],
  },
  loginUserVerification: "preferred",
  refuse: (failure) => (failure.kind === "no_credentials" ? new DomainError("NO_DEVICE", "invalid", "The user has no device") : webauthnRefusal(failure, maxDevices)),
};
