import type { ChallengePolicy } from "../../core/challenge/challenge-policy.js";
import { clientLimits, defaultClientRequestsPerMinute } from "../../core/limit/client-limit.js";
import { VerifyService } from "../../../gen/es/tessera/verify/v1/verify_pb.js";

const notFound = { reason: "VERIFICATION_NOT_FOUND", kind: "not_found", message: "Not found" } as const;
const invalidCode = { reason: "INVALID_CODE", kind: "invalid", message: "Invalid code" } as const;

/**
 * A Jincor verification as a challenge: the caller sets its lifetime (`policy.expiredOn`) and
 * its code (generated to its `generateCode`, or forced); the 5th wrong code kills it
 * (DESIGN.md: 5 wrong codes pass). Unknown, consumed, expired and dead are all not found.
 */
export const verificationPolicy = {
  purpose: "jincor-code",
  product: "jincor",
  ttlSeconds: 0,
  maxAttempts: 5,
  digits: 6,
  refusals: { unknown: notFound, closed: notFound, expired: notFound, exhausted: notFound, wrong: invalidCode, burned: invalidCode },
} as const satisfies ChallengePolicy;

/** Jincor's initiate (each sends a code), limited per client address. */
export const jincorClientLimits = clientLimits(
  { name: "jincor:client", max: defaultClientRequestsPerMinute, windowSeconds: 60, reason: "RATE_LIMIT", message: "Too many requests" },
  [VerifyService.method.initiateVerification],
);
