import { sql, type Kysely } from "kysely";
import { isUuid } from "../../core/errors/uuid.js";
import type { TokenStore } from "../../core/session/issued-token.port.js";
import type { TokenStepStore } from "../../products/authenticator/authenticator.port.js";
import type { AuthenticatorTokenTable, Schema } from "../schema.js";

/** The Authenticator's tokens as the issued-token mechanic's port, for one tenant (`tx` writes in a transaction). */
export function createAccessTokenStore(db: Kysely<Schema>, tenantId: string): TokenStore<{ state: AuthenticatorTokenTable["state"] }, Kysely<Schema>> {
  return {
    async insert(token, tx) {
      await (tx ?? db)
        .insertInto("authenticator_tokens")
        .values({
          id: token.tokenId,
          tenant_id: tenantId,
          user_id: token.subject,
          state: token.extra.state,
          client_hash: Buffer.from(token.bindingHash!),
          expires_at: token.expiresAt,
          used_at: null,
          revoked_at: null,
        })
        .execute();
    },
    async findLive(id, at) {
      if (!isUuid(id)) return undefined;
      const row = await liveToken(db, tenantId, id, at).executeTakeFirst();
      return row === undefined ? undefined : { tokenId: row.id, subject: row.user_id, bindingHash: row.client_hash, extra: { state: row.state } };
    },
    async revoke(id, subject, tx) {
      if (!isUuid(id)) return false;
      let query = (tx ?? db)
        .updateTable("authenticator_tokens")
        .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
        .where("id", "=", id)
        .where("tenant_id", "=", tenantId);
      if (subject !== undefined) query = query.where("user_id", "=", subject);
      return (await query.returning("id").executeTakeFirst()) !== undefined;
    },
  };
}

/** The steps that move an Authenticator token on (lock, use, revoke), for one tenant. */
export function createTokenStepStore(tenantId: string): TokenStepStore<Kysely<Schema>> {
  return {
    async lockLiveToken(tx, tokenId, at) {
      const row = await liveToken(tx, tenantId, tokenId, at).forUpdate().executeTakeFirst();
      return row === undefined ? undefined : { tokenId: row.id, userId: row.user_id, state: row.state };
    },
    async markTokenUsed(tx, tokenId) {
      await tx.updateTable("authenticator_tokens").set({ used_at: sql<Date>`now()` }).where("id", "=", tokenId).where("tenant_id", "=", tenantId).execute();
    },
    async revokeToken(tx, tokenId) {
      await tx.updateTable("authenticator_tokens").set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` }).where("id", "=", tokenId).where("tenant_id", "=", tenantId).execute();
    },
    async revokeOtherTokens(tx, userId, keptId) {
      await tx
        .updateTable("authenticator_tokens")
        .set({ revoked_at: sql<Date>`now()` })
        .where("tenant_id", "=", tenantId)
        .where("user_id", "=", userId)
        .where("id", "!=", keptId)
        .where("revoked_at", "is", null)
        .where("used_at", "is", null)
        .execute();
    },
  };
}

// A sign-up token names a user its code will create; any other token dies with its user.
function liveToken(db: Kysely<Schema>, tenantId: string, id: string, at: Date) {
  return db
    .selectFrom("authenticator_tokens as t")
    .selectAll("t")
    .where("t.id", "=", id)
    .where("t.tenant_id", "=", tenantId)
    .where("t.used_at", "is", null)
    .where("t.revoked_at", "is", null)
    .where("t.expires_at", ">", at)
    .where((eb) => eb.or([eb("t.state", "=", "unverified"), eb.exists(eb.selectFrom("users").select("users.id").whereRef("users.id", "=", "t.user_id"))]));
}
