import type { Kysely } from "kysely";

/**
 * Authenticator API hardening: an offered TOTP secret expires and counts its wrong
 * confirmation codes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("authenticator_settings")
    .addColumn("totp_offer_expires_at", "timestamptz")
    .addColumn("totp_offer_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("authenticator_settings").dropColumn("totp_offer_expires_at").dropColumn("totp_offer_attempts").execute();
}
