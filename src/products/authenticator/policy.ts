import { DomainError } from "../../core/errors/domain-error.js";
import type { WebauthnPolicy } from "../../core/webauthn/webauthn-policy.js";
import { webauthnRefusal } from "../../core/webauthn/webauthn-refusal.js";
import type { ChallengePolicy } from "../../core/challenge/challenge-policy.js";
import type { LimitPolicy } from "../../core/limit/limit-policy.js";
import { passwordGuesses } from "../../core/limit/password-guesses.js";
import type { SignedTokenPolicy } from "../../core/session/signed-token.js";
import { clientLimits, defaultClientRequestsPerMinute } from "../../core/limit/client-limit.js";
import { AuthenticatorService } from "../../../gen/es/tessera/authenticator/v1/authenticator_pb.js";

/** Seconds an `unverified` or `identified` token lives: long enough to read a code. */
export const pendingTokenLifetime = 900;

/**
 * The Authenticator API's tokens: EdDSA, `iss` "authenticator" (as in the seed's example token),
 * each bound to its client id, refused as INVALID_TOKEN.
 */
export const accessTokenPolicy = {
  alg: "EdDSA",
  issuer: "authenticator",
  bound: true,
  refuse: (cause) => new DomainError("INVALID_TOKEN", "unauthenticated", "The token is invalid or expired", { cause }),
} as const satisfies SignedTokenPolicy & { bound: true };

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
  // A Hanko passkey of the same user is no device: it neither counts nor logs in as one.
  credentials: { lists: ["authenticator"], logsInWith: ["authenticator"], manages: ["authenticator"] },
  registration: {
    attestation: "direct",
    authenticatorSelection: { authenticatorAttachment: "cross-platform", residentKey: "discouraged", requireResidentKey: false, userVerification: "preferred" },
    algorithms: [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8],
  },
  loginUserVerification: "preferred",
  refuse: (failure) => (failure.kind === "no_credentials" ? new DomainError("NO_DEVICE", "invalid", "The user has no device") : webauthnRefusal(failure, maxDevices)),
};

const tooManyAttempts = { reason: "TOO_MANY_ATTEMPTS", message: "Too many failed attempts: try again in 15 minutes" } as const;

/** The Authenticator API's limits (DESIGN.md: a burst passes, a flood does not). */
export const authenticatorLimits = {
  /** Wrong passwords per contact, known or not. */
  password: { name: "authenticator:password", max: 10, windowSeconds: 15 * 60, ...tooManyAttempts },
  /** Wrong passwords per user, shared with every product that checks the same password (Hanko's too). */
  passwordPerUser: { ...passwordGuesses, ...tooManyAttempts },
  /**
   * Confirmations checked against one offered TOTP secret, keyed by the offer: counted before the
   * check, so a concurrent burst has no more checked than the fifth wrong code (which voids the offer) allows.
   */
  totpConfirmation: { name: "authenticator:totp-confirmation", max: 5, windowSeconds: 10 * 60, ...tooManyAttempts },
  /** Wrong second-factor answers (codes, TOTP, devices) per user, across all their tokens. */
  secondFactor: { name: "authenticator:second-factor", max: 10, windowSeconds: 15 * 60, ...tooManyAttempts },
  /** Wrong sign-up codes per contact, across sign-ups: starting over buys no guesses. */
  signupCode: { name: "authenticator:signup-code", max: 10, windowSeconds: 15 * 60, ...tooManyAttempts },
  /** Sign-ups (each sends a message) per contact, whether or not it has an account. */
  signup: { name: "authenticator:signup", max: 5, windowSeconds: 60, reason: "SIGNUP_RATE_LIMITED", message: "Too many sign-ups for this contact: wait a minute" },
} as const satisfies Record<string, LimitPolicy>;

const invalidToken = { reason: "INVALID_TOKEN", kind: "unauthenticated", message: "The token is invalid or expired" } as const;
const invalidCode = { reason: "INVALID_CODE", kind: "unauthenticated", message: "The code is invalid" } as const;

/**
 * The code a pending token waits for (sign-up, login), as a challenge of the token's id: the
 * delivered code answers for 300 s, the challenge (and a TOTP code) as long as the token lives
 * (900 s); the fifth wrong answer burns it and the token, so five wrong codes never yield a token.
 */
export const codePolicy = {
  purpose: "authenticator-code",
  product: "authenticator",
  ttlSeconds: 900,
  secretTtlSeconds: 300,
  maxAttempts: 5,
  digits: 6,
  refusals: { unknown: invalidToken, closed: invalidToken, exhausted: invalidToken, expired: invalidToken, wrong: invalidCode, burned: invalidCode },
} as const satisfies ChallengePolicy;

/** The Authenticator API's sign-up and login (each mails a code), limited per client address. */
export const authenticatorClientLimits = clientLimits(
  { name: "authenticator:client", max: defaultClientRequestsPerMinute, windowSeconds: 60, reason: "TOO_MANY_ATTEMPTS", message: "Too many requests from this address: wait a minute" },
  [AuthenticatorService.method.signUp, AuthenticatorService.method.logIn],
);
