import type { Kysely } from "kysely";

/**
 * When a limit counter's window was first refused and its `rate_limit.tripped` event written,
 * in one transaction: the hit is a statement of its own, so the event is claimed by the first
 * refused hit whose window has none yet, and an event that could not be written leaves the
 * window unclaimed for the next refused hit. Null until then, and again in each new window.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("limits").addColumn("tripped_at", "timestamptz").execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("limits").dropColumn("tripped_at").execute();
}
