import type { Kysely } from "kysely";

/**
 * Outbox: `expires_at`, when what a message carries stops being valid (a code's expiry). The
 * worker retries a message until then (no expiry: 24 hours after it was written) and only then
 * dead-letters it (`failed_at`), keeping the body so an operator can retry it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("outbox").addColumn("expires_at", "timestamptz").execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("outbox").dropColumn("expires_at").execute();
}
