import { sql, type Kysely } from "kysely";

/** Authentiq: registered Ed25519 keys, each with its revocation secret stored as HMAC. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("authentiq_keys")
    .addColumn("tenant_id", "uuid", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("pk", "text", (c) => c.notNull())
    .addColumn("devtoken", "text")
    .addColumn("secret_hash", "bytea", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("revoked_at", "timestamptz")
    .addPrimaryKeyConstraint("authentiq_keys_pkey", ["tenant_id", "pk"])
    .execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("authentiq_keys").execute();
}
