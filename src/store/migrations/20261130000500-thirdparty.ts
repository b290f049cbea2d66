import { sql, type Kysely } from "kysely";

/**
 * Third-party (OAuth 2.0 / OpenID Connect) and SAML login: the login states handed out by
 * `/thirdparty/auth` and `/saml/auth` (single use, expiring, so any replica can finish the
 * callback), the SAML AuthnRequest ids awaiting an answer (InResponseTo), the ids of SAML
 * assertions already used (replay), and the provider identities linked to users.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const tenant = (c: any) => c.notNull().references("tenants.id").onDelete("cascade");
  const now = (c: any) => c.notNull().defaultTo(sql`now()`);

  await db.schema
    .createTable("thirdparty_states")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("state_hash", "bytea", (c) => c.notNull().unique())
    .addColumn("protocol", "text", (c) => c.notNull().check(sql`protocol in ('oauth', 'saml')`))
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("redirect_to", "text", (c) => c.notNull())
    .addColumn("code_verifier", "bytea")
    .addColumn("nonce", "text")
    .addColumn("created_at", "timestamptz", now)
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("used_at", "timestamptz")
    .execute();

  await db.schema
    .createTable("saml_requests")
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("issued_at", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", now)
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("saml_requests_pkey", ["tenant_id", "request_id"])
    .execute();

  await db.schema
    .createTable("saml_assertions")
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("assertion_id", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", now)
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("saml_assertions_pkey", ["tenant_id", "assertion_id"])
    .execute();

  await db.schema
    .createTable("identities")
    .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("tenant_id", "uuid", tenant)
    .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("provider_user_id", "text", (c) => c.notNull())
    .addColumn("email_id", "uuid", (c) => c.references("emails.id").onDelete("set null"))
    .addColumn("data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", now)
    .addColumn("updated_at", "timestamptz", now)
    .addUniqueConstraint("identities_provider_user_key", ["tenant_id", "provider", "provider_user_id"])
    .execute();
  await db.schema.createIndex("identities_user_idx").on("identities").column("user_id").execute();
}

/** Drops what `up` made. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["identities", "saml_assertions", "saml_requests", "thirdparty_states"]) {
    await db.schema.dropTable(table).execute();
  }
}
