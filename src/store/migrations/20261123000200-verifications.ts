import { sql, type Kysely } from "kysely";

/**
 * Jincor VERIFY: verifications (the code as HMAC, attempts counted, single use, expiry) and
 * each consumer's TOTP secret (AES-256-GCM sealed, temporary until one code confirms it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("verifications")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("method", "text", (c) => c.notNull().check(sql`method in ('email', 'phone', 'google_auth')`))
    .addColumn("consumer", "text", (c) => c.notNull())
    .addColumn("code_hash", "bytea")
    .addColumn("payload", "jsonb")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("closed_at", "timestamptz")
    .execute();
  await db.schema.createIndex("verifications_expires_idx").on("verifications").column("expires_at").execute();

  await db.schema
    .createTable("verify_totp_secrets")
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("consumer", "text", (c) => c.notNull())
    .addColumn("secret", "bytea", (c) => c.notNull())
    .addColumn("confirmed_at", "timestamptz")
    .addColumn("last_used_step", "integer")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("verify_totp_secrets_pkey", ["tenant_id", "consumer"])
    .execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("verify_totp_secrets").execute();
  await db.schema.dropTable("verifications").execute();
}
