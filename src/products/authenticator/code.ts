import type { Kysely } from "kysely";
import { enqueueMessage } from "../../delivery/outbox.store.js";
import { DomainError } from "../../core/errors/domain-error.js";
import type { Schema } from "../../store/schema.js";
import type { AccessTokens, AuthenticatedToken } from "./access-token.service.js";
import { codeLifetime } from "./access-token.service.js";
import { countWrongCode, lockLiveToken, markTokenUsed, type TokenRow } from "../../store/authenticator/access-token.store.js";
import { invalidField, type Contact } from "./contact.js";

/** Wrong codes a token survives: the fifth burns it, so five wrong codes never yield a token. */
export const maxWrongCodes = 5;

/**
 * Queues the code for the contact (email, or SMS for a phone) in the caller's transaction.
 * Without a code it queues a notice instead: someone tried to sign up with a contact that
 * already has an account (the caller is told nothing, the owner is).
 */
export async function queueCode(db: Kysely<Schema>, tenantId: string, contact: Contact, code: string | undefined): Promise<void> {
  const body =
    code === undefined
      ? "Someone tried to sign up with this address, which already has an account. If it was you, log in instead."
      : `Your code is ${code}. It is valid for ${codeLifetime / 60} minutes.`;
  await enqueueMessage(db, { tenantId, channel: contact.channel === "email" ? "email" : "sms", recipient: contact.address, subject: "Your code", body, expiresAt: new Date(Date.now() + codeLifetime * 1000) });
}

/** What answering a code needs. */
export interface CodeCheck<T> {
  /** Another way the code may be right (a TOTP code), checked when the delivered code is not. */
  alternative?: (tx: Kysely<Schema>, row: TokenRow) => Promise<boolean>;
  /** Moves on once the code is right, in the same transaction as using the token up. */
  onSuccess: (tx: Kysely<Schema>, row: TokenRow) => Promise<T>;
}

/**
 * Answers the code a token waits for: a right code uses the token up and runs `onSuccess`; a
 * wrong one is counted (committed before the refusal) and the fifth burns the token. Throws
 * INVALID_FIELD (not 6 digits), INVALID_TOKEN (used, revoked or burnt meanwhile), INVALID_CODE.
 */
export async function answerCode<T>(deps: { db: Kysely<Schema>; tenantId: string; tokens: AccessTokens; now: () => number }, token: AuthenticatedToken, code: string, check: CodeCheck<T>): Promise<T> {
  if (!/^\d{6}$/.test(code)) throw invalidField("code must be 6 digits");
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const row = await lockLiveToken(tx, deps.tenantId, token.tokenId, new Date(deps.now()));
    if (row === undefined) return { ok: false, reason: "INVALID_TOKEN" } as const;
    if (deps.tokens.codeMatches(row, code) || (check.alternative !== undefined && (await check.alternative(tx, row)))) {
      await markTokenUsed(tx, row.id);
      return { ok: true, value: await check.onSuccess(tx, row) } as const;
    }
    await countWrongCode(tx, row.id, maxWrongCodes);
    return { ok: false, reason: "INVALID_CODE" } as const;
  });
  if (outcome.ok) return outcome.value;
  if (outcome.reason === "INVALID_TOKEN") throw new DomainError("INVALID_TOKEN", "unauthenticated", "The token is invalid or expired");
  throw new DomainError("INVALID_CODE", "unauthenticated", "The code is invalid");
}
