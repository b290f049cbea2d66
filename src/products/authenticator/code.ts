import type { ChallengeMessage, StoredChallenge } from "../../core/challenge/challenge.port.js";
import type { Challenges } from "../../core/challenge/challenge.service.js";
import { DomainError } from "../../core/errors/domain-error.js";
import type { Clock } from "../../core/clock.js";
import type { AuthenticatedToken } from "./access-token.service.js";
import type { LockedToken, TokenStepStore } from "./authenticator.port.js";
import { invalidField, type Contact } from "./contact.js";
import { codePolicy } from "./policy.js";

/**
 * The message carrying a code to the contact (email, or SMS for a phone). Without a code it is
 * a notice instead: someone tried to sign up with a contact that already has an account (the
 * caller is told nothing, the owner is).
 */
export function codeMessage(contact: Contact, code: string | null): ChallengeMessage {
  const body =
    code === null
      ? "Someone tried to sign up with this address, which already has an account. If it was you, log in instead."
      : `Your code is ${code}. It is valid for ${codePolicy.secretTtlSeconds / 60} minutes.`;
  return { channel: contact.channel === "email" ? "email" : "sms", recipient: contact.address, subject: "Your code", body };
}

/** What answering a code needs. */
export interface CodeCheck<Tx, T> {
  /** Another way the code may be right (a TOTP code), checked when the delivered code is not. */
  alternative?: (tx: Tx, challenge: StoredChallenge) => Promise<boolean>;
  /** Moves on once the code is right, in the same transaction as using the token up. */
  onSuccess: (tx: Tx, token: LockedToken) => Promise<T>;
}

/**
 * Answers the code a token waits for (the challenge of the token's id): a right code uses the
 * token up and runs `onSuccess`; a wrong one is counted (committed before the refusal) and the
 * fifth burns the challenge and revokes the token. Throws INVALID_FIELD (not 6 digits),
 * INVALID_TOKEN (used, revoked or burnt meanwhile), INVALID_CODE.
 */
export async function answerCode<Tx, T>(
  deps: { challenges: Challenges<Tx>; tokens: TokenStepStore<Tx>; clock: Clock },
  token: AuthenticatedToken,
  code: string,
  check: CodeCheck<Tx, T>,
): Promise<T> {
  const { tokens } = deps;
  if (!/^\d{6}$/.test(code)) throw invalidField("code must be 6 digits");
  const { value } = await deps.challenges.verify(codePolicy, { id: token.tokenId }, code, {
    ...(check.alternative === undefined ? {} : { alternative: check.alternative }),
    onBurned: (tx) => tokens.revokeToken(tx, token.tokenId),
    async onSuccess(tx) {
      const live = await tokens.lockLiveToken(tx, token.tokenId, deps.clock.now());
      // Thrown inside: the transaction rolls back, and the code stays unanswered.
      if (live === undefined) throw new DomainError("INVALID_TOKEN", "unauthenticated", "The token is invalid or expired");
      await tokens.markTokenUsed(tx, live.tokenId);
      return check.onSuccess(tx, live);
    },
  });
  return value as T;
}
