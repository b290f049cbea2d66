import type { WebauthnPolicy } from "../../core/webauthn/webauthn-policy.js";
import { webauthnRefusal } from "../../core/webauthn/webauthn-refusal.js";

/** Passkeys one Hanko user may hold: at least 10 registrations always pass. */
const maxPasskeys = 20;

/**
 * Hanko's WebAuthn (seed 004, `/webauthn/…`): attestation `none`, a resident key and user
 * verification preferred, 60 s ceremonies, discoverable and non-discoverable login.
 */
export const hankoWebauthnPolicy: WebauthnPolicy = {
  product: "hanko",
  timeoutMs: 60_000,
  maxCredentialsPerUser: maxPasskeys,
  registration: { attestation: "none", authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" } },
  loginUserVerification: "preferred",
  refuse: (failure) => webauthnRefusal(failure, maxPasskeys),
};
