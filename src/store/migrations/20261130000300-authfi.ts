import { sql, type Kysely } from "kysely";

/**
 * AuthFi: the users of each access point (tenant) with their account name and state; the
 * user verification a WebAuthn challenge asked for; when a credential last changed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("authfi_users")
    .addColumn("user_id", "uuid", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull().defaultTo("activate").check(sql`state in ('activate', 'suspend')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("authfi_users_tenant_name_key", ["tenant_id", "name"])
    .execute();
  await db.schema.createIndex("authfi_users_tenant_created_idx").on("authfi_users").columns(["tenant_id", "created_at"]).execute();
  await db.schema.alterTable("webauthn_challenges").addColumn("user_verification", "text").execute();
  await db.schema.alterTable("webauthn_credentials").addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`)).execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("webauthn_credentials").dropColumn("updated_at").execute();
  await db.schema.alterTable("webauthn_challenges").dropColumn("user_verification").execute();
  await db.schema.dropTable("authfi_users").execute();
}
