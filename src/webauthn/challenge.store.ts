import { sql, type Kysely } from "kysely";
import type { Schema, WebauthnChallengeTable } from "../store/schema.js";

type Ceremony = WebauthnChallengeTable["ceremony"];

/** Stores a challenge handed out for a ceremony. */
export async function insertChallenge(
  db: Kysely<Schema>,
  challenge: { tenantId: string; userId: string | null; ceremony: Ceremony; challenge: string; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto("webauthn_challenges")
    .values({ tenant_id: challenge.tenantId, user_id: challenge.userId, ceremony: challenge.ceremony, challenge: challenge.challenge, expires_at: challenge.expiresAt })
    .execute();
}

/**
 * Uses up a challenge: found, of this ceremony, unused and unexpired. Returns the user it was
 * issued for (null for a discoverable login), or undefined when it cannot be used.
 */
export async function consumeChallenge(db: Kysely<Schema>, tenantId: string, ceremony: Ceremony, challenge: string): Promise<{ userId: string | null } | undefined> {
  const row = await db
    .updateTable("webauthn_challenges")
    .set({ used_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("challenge", "=", challenge)
    .where("ceremony", "=", ceremony)
    .where("used_at", "is", null)
    .where("expires_at", ">", sql<Date>`now()`)
    .returning("user_id")
    .executeTakeFirst();
  return row === undefined ? undefined : { userId: row.user_id };
}
