import type { Kysely } from "kysely";

/**
 * AuthFi: a registration for a new account name carries the user it will create (id, name and
 * display name, JSON) on its challenge, so the user exists only once a key is registered.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("webauthn_challenges").addColumn("pending_user", "jsonb").execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("webauthn_challenges").dropColumn("pending_user").execute();
}
