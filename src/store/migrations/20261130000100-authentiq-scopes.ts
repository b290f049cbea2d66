import { sql, type Kysely } from "kysely";

/**
 * Authentiq, second part: email and phone bound to a key (keyed hashes only), revocation by
 * email and phone with an emailed code (HMAC, attempts counted, single use, expiry), and scope
 * verification jobs (the job id as HMAC, expiry, confirmed then signed).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("authentiq_keys")
    .addColumn("email_hash", "bytea")
    .addColumn("phone_hash", "bytea")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One live key per email and phone pair: what revocation by email and phone finds.
  await sql`create unique index authentiq_keys_contact_idx on authentiq_keys (tenant_id, email_hash, phone_hash)
    where revoked_at is null and email_hash is not null`.execute(db);

  await db.schema
    .createTable("authentiq_revocations")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("contact_hash", "bytea", (c) => c.notNull())
    .addColumn("pk", "text")
    .addColumn("code_hash", "bytea", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("closed_at", "timestamptz")
    .execute();
  await db.schema.createIndex("authentiq_revocations_contact_idx").on("authentiq_revocations").columns(["tenant_id", "contact_hash", "created_at"]).execute();

  await db.schema
    .createTable("authentiq_scope_jobs")
    .addColumn("job_hash", "bytea", (c) => c.primaryKey())
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("pk", "text", (c) => c.notNull())
    .addColumn("test", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("address_hash", "bytea", (c) => c.notNull())
    .addColumn("claims", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('waiting', 'confirmed', 'ready')`))
    .addColumn("jwt", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("deleted_at", "timestamptz")
    .execute();
  await db.schema.createIndex("authentiq_scope_jobs_address_idx").on("authentiq_scope_jobs").columns(["tenant_id", "address_hash", "created_at"]).execute();
  await db.schema.createIndex("authentiq_scope_jobs_expires_idx").on("authentiq_scope_jobs").column("expires_at").execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("authentiq_scope_jobs").execute();
  await db.schema.dropTable("authentiq_revocations").execute();
  await sql`drop index authentiq_keys_contact_idx`.execute(db);
  await db.schema.alterTable("authentiq_keys").dropColumn("updated_at").dropColumn("phone_hash").dropColumn("email_hash").execute();
}
