import { sql, type Kysely } from "kysely";

/**
 * Sessions, passcodes, passwords, WebAuthn challenges and one-time tokens: every ceremony's
 * state lives here with expiry and single use, so any replica can finish what another began.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const tenant = (c: any) => c.notNull().references("tenants.id").onDelete("cascade");
  const user = (c: any) => c.notNull().references("users.id").onDelete("cascade");
  const now = (c: any) => c.notNull().defaultTo(sql`now()`);

  await db.schema
    .createTable("sessions")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("user_id", "uuid", user)
    .addColumn("created_at", "timestamptz", now)
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .execute();
  await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();

  await db.schema
    .createTable("passcodes")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("user_id", "uuid", user)
    .addColumn("email_id", "uuid", (c) => c.notNull().references("emails.id").onDelete("cascade"))
    .addColumn("code_hash", "bytea", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", now)
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
  await db.schema.createIndex("passcodes_user_idx").on("passcodes").columns(["user_id", "created_at"]).execute();

  await db.schema
    .createTable("passwords")
    .addColumn("user_id", "uuid", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", now)
    .addColumn("updated_at", "timestamptz", now)
    .execute();

  await db.schema
    .createTable("webauthn_challenges")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("user_id", "uuid", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("ceremony", "text", (c) => c.notNull().check(sql`ceremony in ('registration', 'login')`))
    .addColumn("challenge", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", now)
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();

  await db.schema
    .createTable("one_time_tokens")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("user_id", "uuid", user)
    .addColumn("value_hash", "bytea", (c) => c.notNull().unique())
    .addColumn("created_at", "timestamptz", now)
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["one_time_tokens", "webauthn_challenges", "passwords", "passcodes", "sessions"]) {
    await db.schema.dropTable(table).execute();
  }
}
