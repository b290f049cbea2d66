import type { Kysely } from "kysely";
import type { OneTimeTokenStore } from "../../core/session/one-time-token.port.js";
import type { Schema } from "../schema.js";
import { takeOnce } from "../take-once.js";

/** The one_time_tokens table as the one-time tokens' port, for one tenant. */
export function createOneTimeTokenStore(db: Kysely<Schema>, tenantId: string): OneTimeTokenStore {
  return {
    async insert(token) {
      await db.insertInto("one_time_tokens").values({ tenant_id: tenantId, user_id: token.userId, value_hash: token.valueHash, expires_at: token.expiresAt }).execute();
    },
    async consume(valueHash, at) {
      const taken = await takeOnce(db, "one_time_tokens", { tenant_id: tenantId, value_hash: valueHash }, at, ["user_id"]);
      return "row" in taken ? taken.row.user_id : undefined;
    },
    async findLive(valueHash, at) {
      const row = await db
        .selectFrom("one_time_tokens")
        .select(["user_id", "expires_at"])
        .where("tenant_id", "=", tenantId)
        .where("value_hash", "=", valueHash)
        .where("used_at", "is", null)
        .where("expires_at", ">", at)
        .executeTakeFirst();
      return row === undefined ? undefined : { userId: row.user_id, expiresAt: row.expires_at };
    },
  };
}
