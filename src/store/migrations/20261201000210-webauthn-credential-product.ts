import { sql, type Kysely } from "kysely";

/**
 * A WebAuthn credential records the product that registered it: Hanko's passkeys and the
 * Authenticator API's devices share the default tenant's credentials, and neither product may
 * list, use or delete the other's (Hanko deleting the device that is a user's only second factor
 * locks them out). Existing rows: an AuthFi access point's are AuthFi's; in the default tenant a
 * credential is the Authenticator API's when the user's latest registration challenge used up
 * before it was stored was the Authenticator's device challenge (challenges name their purpose
 * since 20261201000200), and Hanko's otherwise. No default is left: every insert names its product.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("webauthn_credentials").addColumn("product", "text", (c) => c.notNull().defaultTo("hanko")).execute();
  await sql`update webauthn_credentials set product = 'authfi' where tenant_id <> ${defaultTenantId}`.execute(db);
  await sql`
    update webauthn_credentials c set product = 'authenticator'
    where c.tenant_id = ${defaultTenantId}
      and (select ch.purpose from webauthn_challenges ch
           where ch.tenant_id = c.tenant_id and ch.user_id = c.user_id and ch.ceremony = 'registration'
             and ch.used_at is not null and ch.used_at <= c.created_at
           order by ch.used_at desc limit 1) = 'authenticator:device'`.execute(db);
  await db.schema.alterTable("webauthn_credentials").alterColumn("product", (c) => c.dropDefault()).execute();
  await db.schema.createIndex("webauthn_credentials_user_product_idx").on("webauthn_credentials").columns(["user_id", "product"]).execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("webauthn_credentials_user_product_idx").execute();
  await db.schema.alterTable("webauthn_credentials").dropColumn("product").execute();
}

/** The default tenant's id as the foundation migration created it. */
const defaultTenantId = "00000000-0000-0000-0000-000000000000";
