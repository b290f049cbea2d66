import { sql, type Kysely } from "kysely";

/**
 * The audit trail: one row per security-relevant act, with no foreign key to the user (an
 * event outlives the user it names) and an index per filter of the admin listing. `sequence`
 * orders the log for cursors and live watches.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("audit_events")
    .addColumn("sequence", "bigserial", (c) => c.primaryKey())
    .addColumn("id", "uuid", (c) => c.notNull().unique())
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("occurred_at", "timestamptz", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull().check(sql`outcome in ('success', 'failure')`))
    .addColumn("product", "text", (c) => c.notNull())
    .addColumn("user_id", "text")
    .addColumn("reason", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("client_ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("actor", "text")
    .addColumn("details", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex("audit_events_time_idx").on("audit_events").column("occurred_at").execute();
  for (const column of ["user_id", "type", "product", "outcome"]) {
    await db.schema.createIndex(`audit_events_${column}_idx`).on("audit_events").columns([column, "sequence"]).execute();
  }
}

/** Drops the trail. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("audit_events").execute();
}
