import type { WebauthnPolicy } from "../../core/webauthn/webauthn-policy.js";
import { webauthnRefusal } from "../../core/webauthn/webauthn-refusal.js";
import type { ChallengePolicy } from "../../core/challenge/challenge-policy.js";
import type { LimitPolicy } from "../../core/limit/limit-policy.js";
import { passwordGuesses } from "../../core/limit/password-guesses.js";
import { DomainError } from "../../core/errors/domain-error.js";
import type { SignedTokenPolicy } from "../../core/session/signed-token.js";
import { clientLimits, defaultClientRequestsPerMinute } from "../../core/limit/client-limit.js";
import { SessionService } from "../../../gen/es/tessera/session/v1/session_pb.js";
import { VerifyService } from "../../../gen/es/tessera/verify/v1/verify_pb.js";

/** Hanko's session tokens: RS256 (verifiable with the published JWKS), refused as UNAUTHENTICATED. */
export const hankoSessionPolicy: SignedTokenPolicy = {
  alg: "RS256",
  refuse: (cause) => new DomainError("UNAUTHENTICATED", "unauthenticated", "Unauthorized", { cause }),
};

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
  // The Authenticator API's devices of the same users are not passkeys: a device that is a user's only second factor must not go through Hanko.
  credentials: { lists: ["hanko"], logsInWith: ["hanko"], manages: ["hanko"] },
  registration: { attestation: "none", authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" } },
  loginUserVerification: "preferred",
  refuse: (failure) => webauthnRefusal(failure, maxPasskeys),
};

/** Hanko's passcodes (seed 004): 6 digits, valid 300 s, 3 attempts. */
export const passcodeTtlSeconds = 300;
export const passcodeMaxAttempts = 3;

/** Hanko's limits, keyed by user (Hanko's `rate_limiter.passcode_limits` / `password_limits`). */
export const hankoLimits = {
  /** Passcodes one user may be sent per minute: a burst passes, a flood does not. */
  passcodeSend: { name: "hanko:passcode-send", max: 5, windowSeconds: 60, reason: "PASSCODE_RATE_LIMITED", message: "too many passcodes: wait a minute" },
  /** Wrong passcodes per user per day, across passcodes: 3 per passcode × 5 a minute would be 21,600. */
  passcodeGuesses: { name: "hanko:passcode-guesses", max: 20, windowSeconds: 24 * 3600, reason: "TOO_MANY_ATTEMPTS", message: "too many wrong passcodes: try again later" },
  /** Wrong passwords per user id, known or not, counted with every other product's checks of the same password. */
  password: { ...passwordGuesses, reason: "TOO_MANY_ATTEMPTS", message: "too many failed attempts: try again in 15 minutes" },
} as const satisfies Record<string, LimitPolicy>;

/** Hanko's passcode as a challenge, with the statuses of seed 004 (`POST /passcode/login/finalize`). */
export const passcodePolicy = {
  purpose: "passcode",
  product: "hanko",
  ttlSeconds: passcodeTtlSeconds,
  maxAttempts: passcodeMaxAttempts,
  digits: 6,
  refusals: {
    unknown: { reason: "PASSCODE_INVALID", kind: "unauthenticated", message: "passcode invalid" },
    closed: { reason: "PASSCODE_INVALID", kind: "unauthenticated", message: "passcode invalid" },
    wrong: { reason: "PASSCODE_INVALID", kind: "unauthenticated", message: "passcode invalid" },
    expired: { reason: "PASSCODE_EXPIRED", kind: "precondition", message: "passcode request timed out" },
    burned: { reason: "PASSCODE_EXHAUSTED", kind: "precondition", message: "maximum attempts reached" },
    exhausted: { reason: "PASSCODE_EXHAUSTED", kind: "precondition", message: "maximum attempts reached" },
  },
} as const satisfies ChallengePolicy;

/** Hanko's entry points that mail or guess, limited per client address (one counter for both). */
export const hankoClientLimits = clientLimits(
  { name: "hanko:client", max: defaultClientRequestsPerMinute, windowSeconds: 60, reason: "RATE_LIMIT", message: "too many requests from this address: wait a minute" },
  [VerifyService.method.initializePasscodeLogin, SessionService.method.loginWithPassword],
);
