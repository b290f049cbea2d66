import type { Kysely } from "kysely";
import type { ChallengeStore, UserVerification } from "../../core/webauthn/challenge.port.js";
import type { Schema } from "../schema.js";
import { takeOnce } from "../take-once.js";

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
      // Used up expired or not: an expired challenge is burnt as it is refused.
      const taken = await takeOnce(db, "webauthn_challenges", { tenant_id: tenantId, challenge, ceremony, purpose }, now, ["user_id", "user_verification", "pending_user"]);
      if (!("row" in taken)) return taken;
      const { row } = taken;
      return { issued: { userId: row.user_id, userVerification: row.user_verification as UserVerification | null, pendingUser: row.pending_user } };
    },
  };
}
