import { sql, type Kysely } from "kysely";

/**
 * Authenticator API hardening: an offered TOTP secret expires and counts its wrong
 * confirmation codes; failed logins and second-factor answers are counted per contact and per
 * user (a keyed hash of either) over a window, shared by every replica.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("authenticator_settings")
    .addColumn("totp_offer_expires_at", "timestamptz")
    .addColumn("totp_offer_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable("authenticator_attempts")
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("subject", "bytea", (c) => c.notNull())
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("window_started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("authenticator_attempts_pkey", ["tenant_id", "subject"])
    .execute();
  await db.schema.createIndex("authenticator_attempts_window_idx").on("authenticator_attempts").column("window_started_at").execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("authenticator_attempts").execute();
  await db.schema.alterTable("authenticator_settings").dropColumn("totp_offer_expires_at").dropColumn("totp_offer_attempts").execute();
}
