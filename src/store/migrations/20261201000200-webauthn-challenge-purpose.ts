import type { Kysely } from "kysely";

/**
 * A WebAuthn challenge names the product and step that issued it (`purpose`): Hanko, AuthFi and
 * the Authenticator API share the default tenant's challenges table, and a challenge issued for
 * one of them (or for AuthFi's verification rather than its login) must not answer another.
 * Challenges issued before have no purpose and can no longer be used: they live for minutes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("webauthn_challenges").addColumn("purpose", "text", (c) => c.notNull().defaultTo("")).execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("webauthn_challenges").dropColumn("purpose").execute();
}
