import { sql, type Kysely } from "kysely";
import type { Schema } from "../schema.js";

/**
 * Counts one attempt of `subject` in its window (a new window when the last one is more than
 * `windowSeconds` old) and answers the attempts counted so far, this one included. One
 * statement: parallel attempts each see their own count.
 */
export async function reserveAttempt(db: Kysely<Schema>, tenantId: string, subject: Uint8Array, windowSeconds: number): Promise<number> {
  const stale = sql<boolean>`authenticator_attempts.window_started_at <= now() - make_interval(secs => ${windowSeconds})`;
  const row = await db
    .insertInto("authenticator_attempts")
    .values({ tenant_id: tenantId, subject: Buffer.from(subject), failures: 1 })
    .onConflict((conflict) =>
      conflict.columns(["tenant_id", "subject"]).doUpdateSet({
        failures: sql<number>`case when ${stale} then 1 else authenticator_attempts.failures + 1 end`,
        window_started_at: sql<Date>`case when ${stale} then now() else authenticator_attempts.window_started_at end`,
      }),
    )
    .returning("failures")
    .executeTakeFirstOrThrow();
  return row.failures;
}

/** Takes back an attempt that did not fail. */
export async function releaseAttempt(db: Kysely<Schema>, tenantId: string, subject: Uint8Array): Promise<void> {
  await db
    .updateTable("authenticator_attempts")
    .set({ failures: sql<number>`greatest(failures - 1, 0)` })
    .where("tenant_id", "=", tenantId)
    .where("subject", "=", Buffer.from(subject))
    .execute();
}

/** The failed attempts of `subject` in its current window. */
export async function countAttempts(db: Kysely<Schema>, tenantId: string, subject: Uint8Array, windowSeconds: number): Promise<number> {
  const row = await db
    .selectFrom("authenticator_attempts")
    .select("failures")
    .where("tenant_id", "=", tenantId)
    .where("subject", "=", Buffer.from(subject))
    .where("window_started_at", ">", sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
    .executeTakeFirst();
  return row?.failures ?? 0;
}
