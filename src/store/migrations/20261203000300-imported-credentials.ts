import type { Kysely } from "kysely";

/**
 * Imported WebAuthn credentials keep what the system they come from knew: the user handle the
 * authenticator was given at registration (another product's user id, not always Tessera's UUID,
 * and a discoverable login returns it) and the backup-eligible flag beside the backed-up one.
 * Credentials registered here leave `user_handle` null: their handle is the user's UUID.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("webauthn_credentials")
    .addColumn("user_handle", "bytea")
    .addColumn("backup_eligible", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("webauthn_credentials").dropColumn("user_handle").dropColumn("backup_eligible").execute();
}
