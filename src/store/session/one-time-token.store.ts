import type { Kysely } from "kysely";
import type { OneTimeTokenStore } from "../../core/session/one-time-token.port.js";
import type { Schema } from "../schema.js";

/** The one_time_tokens table as the one-time tokens' port, for one tenant. */
export function createOneTimeTokenStore(db: Kysely<Schema>, tenantId: string): OneTimeTokenStore {
  return {
    async insert(token) {
      await db.insertInto("one_time_tokens").values({ tenant_id: tenantId, user_id: token.userId, value_hash: token.valueHash, expires_at: token.expiresAt }).execute();
    },
    async consume(valueHash, at) {
      const row = await db
        .updateTable("one_time_tokens")
        .set({ used_at: at })
        .where("value_hash", "=", valueHash)
        .where("tenant_id", "=", tenantId)
        .where("used_at", "is", null)
        .where("expires_at", ">", at)
        .returning("user_id")
        .executeTakeFirst();
      return row?.user_id;
    },
  };
}
