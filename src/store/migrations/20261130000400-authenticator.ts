import { sql, type Kysely } from "kysely";

/**
 * The "Authenticator API": phone numbers (a contact of the shared identity model, beside
 * emails), its tokens (one row per `jti`, with the pending code as HMAC and the wrong attempts
 * made against it), sign-ups waiting for their code, and each user's second factors (the TOTP
 * secret AES-256-GCM sealed).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const tenant = (c: any) => c.notNull().references("tenants.id").onDelete("cascade");
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const now = (c: any) => c.notNull().defaultTo(sql`now()`);

  await db.schema
    .createTable("phone_numbers")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("number", "text", (c) => c.notNull())
    .addColumn("verified", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("created_at", "timestamptz", now)
    .addUniqueConstraint("phone_numbers_tenant_number_key", ["tenant_id", "number"])
    .execute();
  await db.schema.createIndex("phone_numbers_user_idx").on("phone_numbers").column("user_id").execute();

  // `user_id` has no foreign key: a sign-up token names the user its code will create.
  await db.schema
    .createTable("authenticator_tokens")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("user_id", "uuid", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().check(sql`state in ('unverified', 'identified', 'authorized')`))
    .addColumn("client_hash", "bytea", (c) => c.notNull())
    .addColumn("code_hash", "bytea")
    .addColumn("code_expires_at", "timestamptz")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", now)
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema.createIndex("authenticator_tokens_user_idx").on("authenticator_tokens").column("user_id").execute();
  await db.schema.createIndex("authenticator_tokens_expires_idx").on("authenticator_tokens").column("expires_at").execute();

  await db.schema
    .createTable("authenticator_signups")
    .addColumn("token_id", "uuid", (c) => c.primaryKey().references("authenticator_tokens.id").onDelete("cascade"))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("channel", "text", (c) => c.notNull().check(sql`channel in ('email', 'phone')`))
    .addColumn("contact", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("created_at", "timestamptz", now)
    .execute();

  await db.schema
    .createTable("authenticator_settings")
    .addColumn("user_id", "uuid", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("is_code_allowed", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("is_totp_allowed", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("is_device_allowed", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("totp_secret", "bytea")
    .addColumn("totp_last_used_step", "integer")
    .addColumn("updated_at", "timestamptz", now)
    .execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["authenticator_settings", "authenticator_signups", "authenticator_tokens", "phone_numbers"]) {
    await db.schema.dropTable(table).execute();
  }
}
