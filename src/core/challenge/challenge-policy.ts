import type { AuditProduct } from "../audit/audit-event.js";
import type { ErrorKind } from "../errors/domain-error.js";
import type { Reason } from "../errors/reasons.js";

/** Why a challenge refused an answer. */
export type ChallengeRefusal =
  /** No challenge of the policy's purpose by that id or subject (never issued, or deleted). */
  | "unknown"
  /** Answered already, replaced, or burned by wrong answers. */
  | "closed"
  /** Past its expiry. */
  | "expired"
  /** A wrong answer that used up the last attempt: the challenge is burned. */
  | "burned"
  /** Any answer once the challenge was burned. */
  | "exhausted"
  /** A wrong answer with attempts left. */
  | "wrong";

/** What a refusal throws: a DomainError with this reason, kind and message. */
export interface RefusalReason {
  reason: Reason;
  kind: ErrorKind;
  message: string;
}

/**
 * A kind of one-time secret, as data: how long it lives, how many wrong answers it survives,
 * what secret is generated, and the reason each refusal throws. `purpose` keeps challenges of
 * different kinds apart (an id of one never answers another) and binds the stored HMAC.
 */
export interface ChallengePolicy {
  purpose: string;
  /** The product whose audit events its codes sent, verified and refused are. */
  product: AuditProduct;
  ttlSeconds: number;
  /**
   * How long the delivered secret answers, when shorter than the challenge lives (the
   * Authenticator API's code: 300 s, while its token still takes a TOTP code).
   */
  secretTtlSeconds?: number;
  /** Wrong answers that burn the challenge. */
  maxAttempts: number;
  /** The generated secret: `length` random digits (uniform, from the CSPRNG). */
  digits: number;
  refusals: Record<ChallengeRefusal, RefusalReason>;
}
