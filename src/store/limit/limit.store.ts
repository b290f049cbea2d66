import { sql, type Kysely } from "kysely";
import type { LimitStore } from "../../core/limit/limit.port.js";
import type { Schema } from "../schema.js";

/** The limit counters in the `limits` table. */
export function createLimitStore(db: Kysely<Schema>): LimitStore {
  return {
    async hit(tenantId, key, at, windowSeconds) {
      const stale = sql<boolean>`limits.window_started_at <= ${at}::timestamptz - make_interval(secs => ${windowSeconds})`;
      const endsAt = new Date(at.getTime() + windowSeconds * 1000);
      const row = await db
        .insertInto("limits")
        .values({ tenant_id: tenantId, key: Buffer.from(key), hits: 1, window_started_at: at, expires_at: endsAt })
        .onConflict((conflict) =>
          conflict.columns(["tenant_id", "key"]).doUpdateSet({
            hits: sql<number>`case when ${stale} then 1 else limits.hits + 1 end`,
            window_started_at: sql<Date>`case when ${stale} then ${at}::timestamptz else limits.window_started_at end`,
            expires_at: sql<Date>`case when ${stale} then ${endsAt}::timestamptz else limits.expires_at end`,
            tripped_at: sql<Date | null>`case when ${stale} then null else limits.tripped_at end`,
          }),
        )
        .returning(["hits", "window_started_at", "tripped_at"])
        .executeTakeFirstOrThrow();
      return { hits: row.hits, windowStartedAt: row.window_started_at, tripped: row.tripped_at !== null };
    },
    async trip(tenantId, key, windowStartedAt, at, then) {
      return db.transaction().execute(async (tx) => {
        const marked = await tx
          .updateTable("limits")
          .set({ tripped_at: at })
          .where("tenant_id", "=", tenantId)
          .where("key", "=", Buffer.from(key))
          .where("window_started_at", "=", windowStartedAt)
          .where("tripped_at", "is", null)
          .executeTakeFirst();
        if (marked.numUpdatedRows === 0n) return false;
        await then(tx);
        return true;
      });
    },
    async refund(tenantId, key) {
      await db
        .updateTable("limits")
        .set({ hits: sql<number>`greatest(hits - 1, 0)` })
        .where("tenant_id", "=", tenantId)
        .where("key", "=", Buffer.from(key))
        .execute();
    },
    async current(tenantId, key, at, windowSeconds) {
      const row = await db
        .selectFrom("limits")
        .select(["hits", "window_started_at"])
        .where("tenant_id", "=", tenantId)
        .where("key", "=", Buffer.from(key))
        .where("window_started_at", ">", sql<Date>`${at}::timestamptz - make_interval(secs => ${windowSeconds})`)
        .executeTakeFirst();
      return row === undefined ? undefined : { hits: row.hits, windowStartedAt: row.window_started_at };
    },
  };
}
