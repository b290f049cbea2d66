import type { Kysely } from "kysely";
import type { ChallengeStore, UserVerification } from "../../core/webauthn/challenge.port.js";
import type { Schema } from "../schema.js";

/** The WebAuthn challenge store over `webauthn_challenges`. */
export function createChallengeStore(db: Kysely<Schema>): ChallengeStore {
  return {
    async insert(challenge) {
      await db
        .insertInto("webauthn_challenges")
        .values({
          tenant_id: challenge.tenantId,
          user_id: challenge.userId,
          ceremony: challenge.ceremony,
          purpose: challenge.purpose,
          challenge: challenge.challenge,
          expires_at: challenge.expiresAt,
          user_verification: challenge.userVerification,
          pending_user: challenge.pendingUser === undefined ? null : JSON.stringify(challenge.pendingUser),
        })
        .execute();
    },

    async consume(tenantId, ceremony, purpose, challenge, now) {
      // One statement uses it up, expired or not: an expired challenge is burnt as it is refused.
      const row = await db
        .updateTable("webauthn_challenges")
        .set({ used_at: now })
        .where("tenant_id", "=", tenantId)
        .where("challenge", "=", challenge)
        .where("ceremony", "=", ceremony)
        .where("purpose", "=", purpose)
        .where("used_at", "is", null)
        .returning(["user_id", "user_verification", "pending_user", "expires_at"])
        .executeTakeFirst();
      if (row === undefined) return { refused: "unknown" };
      if (row.expires_at <= now) return { refused: "expired" };
      return { issued: { userId: row.user_id, userVerification: row.user_verification as UserVerification | null, pendingUser: row.pending_user } };
    },
  };
}
