import { sql, type Kysely } from "kysely";

/**
 * A user's username (Hanko's, brought by an import), lower-cased, unique in its tenant; null for
 * a user without one. Hanko's password login takes it in place of the user id.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("users").addColumn("username", "text").execute();
  await db.schema.createIndex("users_tenant_username_key").on("users").columns(["tenant_id", "username"]).unique().execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists users_tenant_username_key`.execute(db);
  await db.schema.alterTable("users").dropColumn("username").execute();
}
