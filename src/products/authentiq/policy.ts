import type { ChallengePolicy } from "../../core/challenge/challenge-policy.js";
import type { LimitPolicy } from "../../core/limit/limit-policy.js";
import { clientLimits, defaultClientRequestsPerMinute } from "../../core/limit/client-limit.js";
import { IdentityService } from "../../../gen/es/tessera/identity/v1/identity_pb.js";

/** A revocation code lives 10 minutes and allows 5 tries. */
export const revocationCodeTtlSeconds = 600;
export const revocationMaxAttempts = 5;

/** Authentiq's limits, keyed by a contact (a keyed hash of it: the table names no address). */
export const authentiqLimits = {
  /** Codes asked for one email+phone pair in 10 minutes: a retry or two passes, a mail bomb does not. */
  revocationRequest: { name: "authentiq:revocation-request", max: 5, windowSeconds: 600, reason: "RATE_LIMIT", message: "too many revocation requests for this address: wait a few minutes" },
  /** Wrong revocation codes per email+phone pair in a day, across codes (5 tries × 5 codes per 10 minutes would be 3,600). */
  revocationGuesses: { name: "authentiq:revocation-guesses", max: 20, windowSeconds: 24 * 3600, reason: "RATE_LIMIT", message: "too many wrong codes for this address: try again tomorrow" },
  /** Scope requests (each sends a message) per address per minute. */
  scopeRequest: { name: "authentiq:scope-request", max: 5, windowSeconds: 60, reason: "RATE_LIMIT", message: "too many verification requests for this address: wait a minute" },
} as const satisfies Record<string, LimitPolicy>;

const authError = { reason: "AUTH_ERROR", kind: "unauthenticated" } as const;

/** The revocation code (`DELETE /key?email=&phone=&code=`) as a challenge of the contact pair. */
export const revocationPolicy = {
  purpose: "authentiq:revocation",
  product: "authentiq",
  ttlSeconds: revocationCodeTtlSeconds,
  maxAttempts: revocationMaxAttempts,
  digits: 6,
  refusals: {
    // Only the newest open request answers: a closed one is as good as none.
    unknown: { reason: "CONFIRM_FIRST", kind: "precondition", message: "ask for a code first: call without `code`" },
    closed: { reason: "CONFIRM_FIRST", kind: "precondition", message: "ask for a code first: call without `code`" },
    expired: { ...authError, message: "the code has expired" },
    wrong: { ...authError, message: "wrong code" },
    burned: { ...authError, message: "wrong code" },
    exhausted: { ...authError, message: "wrong code" },
  },
} as const satisfies ChallengePolicy;

/** Authentiq's revocation by email (it mails a code), limited per client address. */
export const authentiqClientLimits = clientLimits(
  { name: "authentiq:client", max: defaultClientRequestsPerMinute, windowSeconds: 60, reason: "RATE_LIMIT", message: "too many requests from this address: wait a minute" },
  [IdentityService.method.revokeKeyByContact],
);
