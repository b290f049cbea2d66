import { sql, type Kysely } from "kysely";

/**
 * A challenge is keyed by its tenant, its purpose and its id: a caller-chosen id (Jincor's forced
 * one, the Authenticator API's token id) belongs to its tenant and purpose alone, and the same id
 * of another tenant or purpose is another challenge. Every row stays; the key just widens.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("challenges").dropConstraint("challenges_pkey").execute();
  await db.schema.alterTable("challenges").addPrimaryKeyConstraint("challenges_pkey", ["tenant_id", "purpose", "id"]).execute();
}

/**
 * Puts the key back on `id` alone. An id held by more than one tenant or purpose keeps only its
 * newest challenge (they live for minutes; an older one is asked for again).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    delete from challenges c using challenges newer
    where newer.id = c.id and (newer.created_at, newer.tenant_id, newer.purpose) > (c.created_at, c.tenant_id, c.purpose)`.execute(db);
  await db.schema.alterTable("challenges").dropConstraint("challenges_pkey").execute();
  await db.schema.alterTable("challenges").addPrimaryKeyConstraint("challenges_pkey", ["id"]).execute();
}
