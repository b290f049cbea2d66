import { sql, type Kysely } from "kysely";

/**
 * Webhook endpoints (their signing secret sealed under the server key: it must be recoverable
 * to sign), the log of each delivery attempt, and the outbox's `webhook` channel with an
 * ordering key: a message is not sent while an older one of the same key is still pending.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("webhooks")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("event_types", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("enabled", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("secret_sealed", "bytea", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("webhooks_tenant_idx").on("webhooks").columns(["tenant_id", "enabled"]).execute();
  // One row per event queued for an endpoint (its id the outbox message's: the webhook-id the
  // receiver sees), updated at every attempt: how many, the last status and error, when.
  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("sequence", "bigserial", (c) => c.unique())
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("webhook_id", "uuid", (c) => c.notNull().references("webhooks.id").onDelete("cascade"))
    .addColumn("event_id", "uuid", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_status_code", "integer")
    .addColumn("last_error", "text")
    .addColumn("last_attempt_at", "timestamptz")
    .addColumn("delivered_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("webhook_deliveries_webhook_idx").on("webhook_deliveries").columns(["webhook_id", "sequence"]).execute();
  await db.schema.createIndex("webhook_deliveries_time_idx").on("webhook_deliveries").column("created_at").execute();
  await sql`alter table outbox drop constraint outbox_channel_check`.execute(db);
  await sql`alter table outbox add constraint outbox_channel_check check (channel in ('email', 'sms', 'push', 'webhook'))`.execute(db);
  await sql`alter table outbox add column ordering_key text`.execute(db);
  await sql`alter table outbox add column sequence bigserial`.execute(db);
  await db.schema
    .createIndex("outbox_ordering_idx")
    .on("outbox")
    .columns(["ordering_key", "sequence"])
    .where(sql<boolean>`ordering_key is not null and sent_at is null and failed_at is null`)
    .execute();
}

/** Drops the webhooks, their log and the channel (queued webhook messages with it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from outbox where channel = 'webhook'`.execute(db);
  await sql`alter table outbox drop column sequence`.execute(db);
  await sql`alter table outbox drop column ordering_key`.execute(db);
  await sql`alter table outbox drop constraint outbox_channel_check`.execute(db);
  await sql`alter table outbox add constraint outbox_channel_check check (channel in ('email', 'sms', 'push'))`.execute(db);
  await db.schema.dropTable("webhook_deliveries").execute();
  await db.schema.dropTable("webhooks").execute();
}
