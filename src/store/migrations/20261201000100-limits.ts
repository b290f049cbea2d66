import { sql, type Kysely } from "kysely";

/**
 * One table of limit counters for every product (fixed windows per hashed key), in place of
 * the Authenticator API's `authenticator_attempts`. Its counters are not moved: they were
 * hashed under another context, and a window lapses within 15 minutes anyway.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("limits")
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("key", "bytea", (c) => c.notNull())
    .addColumn("hits", "integer", (c) => c.notNull())
    .addColumn("window_started_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("limits_pkey", ["tenant_id", "key"])
    .execute();
  await db.schema.createIndex("limits_expires_idx").on("limits").column("expires_at").execute();
  await db.schema.dropTable("authenticator_attempts").execute();
}

/** Puts `authenticator_attempts` back (empty: counters are short-lived) and drops `limits`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("authenticator_attempts")
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("subject", "bytea", (c) => c.notNull())
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("window_started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("authenticator_attempts_pkey", ["tenant_id", "subject"])
    .execute();
  await db.schema.createIndex("authenticator_attempts_window_idx").on("authenticator_attempts").column("window_started_at").execute();
  await db.schema.dropTable("limits").execute();
}
