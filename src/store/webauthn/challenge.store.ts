import { sql, type Kysely } from "kysely";
import type { PendingUser, Schema, WebauthnChallengeTable } from "../schema.js";

type Ceremony = WebauthnChallengeTable["ceremony"];

/** A challenge as issued: for whom (null for a discoverable login) and what it asked for. */
export interface IssuedChallenge {
  userId: string | null;
  /** The `userVerification` the ceremony asked for; null when left to the authenticator. */
  userVerification: string | null;
  /** The user a registration will create (AuthFi), when it was for a new account. */
  pendingUser: PendingUser | null;
}

/** Stores a challenge handed out for a ceremony. */
export async function insertChallenge(
  db: Kysely<Schema>,
  challenge: { tenantId: string; userId: string | null; ceremony: Ceremony; challenge: string; expiresAt: Date; userVerification?: string | null; pendingUser?: PendingUser },
): Promise<void> {
  await db
    .insertInto("webauthn_challenges")
    .values({
      tenant_id: challenge.tenantId,
      user_id: challenge.userId,
      ceremony: challenge.ceremony,
      challenge: challenge.challenge,
      expires_at: challenge.expiresAt,
      user_verification: challenge.userVerification ?? null,
      pending_user: challenge.pendingUser === undefined ? null : JSON.stringify(challenge.pendingUser),
    })
    .execute();
}

/**
 * Uses up a challenge: found, of this ceremony, unused and unexpired. Returns it as issued, or
 * undefined when it cannot be used.
 */
export async function consumeChallenge(db: Kysely<Schema>, tenantId: string, ceremony: Ceremony, challenge: string): Promise<IssuedChallenge | undefined> {
  const row = await db
    .updateTable("webauthn_challenges")
    .set({ used_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("challenge", "=", challenge)
    .where("ceremony", "=", ceremony)
    .where("used_at", "is", null)
    .where("expires_at", ">", sql<Date>`now()`)
    .returning(["user_id", "user_verification", "pending_user"])
    .executeTakeFirst();
  return row === undefined ? undefined : { userId: row.user_id, userVerification: row.user_verification, pendingUser: row.pending_user };
}

/** Whether a challenge that could not be used was issued for this ceremony and has expired unused. */
export async function isExpiredChallenge(db: Kysely<Schema>, tenantId: string, ceremony: Ceremony, challenge: string): Promise<boolean> {
  const row = await db
    .selectFrom("webauthn_challenges")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("challenge", "=", challenge)
    .where("ceremony", "=", ceremony)
    .where("used_at", "is", null)
    .where("expires_at", "<=", sql<Date>`now()`)
    .executeTakeFirst();
  return row !== undefined;
}
