import { sql, type Kysely } from "kysely";

/** Tenants, users, emails, WebAuthn credentials, signing keys and the outbox. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("tenants")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("slug", "text", (c) => c.notNull().unique())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('active', 'trial', 'suspended')`))
    .addColumn("user_cap", "integer")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into tenants (id, slug, state) values ('00000000-0000-0000-0000-000000000000', 'default', 'active')`.execute(db);

  await db.schema
    .createTable("tenant_api_keys")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("key_hash", "bytea", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("revoked_at", "timestamptz")
    .execute();

  await db.schema
    .createTable("users")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex("users_tenant_idx").on("users").columns(["tenant_id", "created_at"]).execute();

  await db.schema
    .createTable("emails")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("address", "text", (c) => c.notNull())
    .addColumn("verified", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("is_primary", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("emails_tenant_address_key", ["tenant_id", "address"])
    .execute();
  await db.schema.createIndex("emails_user_idx").on("emails").column("user_id").execute();
  await db.schema.createIndex("emails_one_primary_idx").on("emails").column("user_id").unique().where(sql.ref("is_primary"), "=", true).execute();

  await db.schema
    .createTable("webauthn_credentials")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("credential_id", "bytea", (c) => c.notNull())
    .addColumn("public_key", "bytea", (c) => c.notNull())
    .addColumn("sign_count", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("transports", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn("aaguid", "uuid")
    .addColumn("backed_up", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("name", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("last_used_at", "timestamptz")
    .addUniqueConstraint("webauthn_credentials_tenant_credential_key", ["tenant_id", "credential_id"])
    .execute();
  await db.schema.createIndex("webauthn_credentials_user_idx").on("webauthn_credentials").column("user_id").execute();

  await db.schema
    .createTable("signing_keys")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("alg", "text", (c) => c.notNull().check(sql`alg in ('RS256', 'EdDSA')`))
    .addColumn("public_jwk", "jsonb", (c) => c.notNull())
    .addColumn("private_key", "bytea", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("retired_at", "timestamptz")
    .execute();
  await db.schema.createIndex("signing_keys_tenant_alg_idx").on("signing_keys").columns(["tenant_id", "alg", "created_at"]).execute();

  await db.schema
    .createTable("outbox")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("channel", "text", (c) => c.notNull().check(sql`channel in ('email', 'sms', 'push')`))
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("claimed_until", "timestamptz")
    .addColumn("sent_at", "timestamptz")
    .addColumn("failed_at", "timestamptz")
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("outbox_pending_idx")
    .on("outbox")
    .column("next_attempt_at")
    .where(sql<boolean>`sent_at is null and failed_at is null`)
    .execute();
}

/** Drops what `up` made. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["outbox", "signing_keys", "webauthn_credentials", "emails", "users", "tenant_api_keys", "tenants"]) {
    await db.schema.dropTable(table).execute();
  }
}
