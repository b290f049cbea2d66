import { sql, type Kysely } from "kysely";

/**
 * An operator's lock on a user (tessera.admin.v1 LockUser): `locked_at` set means the user can
 * neither log in nor use a session in any product; `lock_reason` is the operator's note. An index
 * on (created_at, id) serves the admin API's newest-first user listing and its keyset paging.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").addColumn("locked_at", "timestamptz").addColumn("lock_reason", "text").execute();
  await db.schema.createIndex("users_created_idx").on("users").columns(["created_at", "id"]).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists users_created_idx`.execute(db);
  await db.schema.alterTable("users").dropColumn("lock_reason").dropColumn("locked_at").execute();
}
