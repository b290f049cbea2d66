import { sql, type Kysely, type Selectable } from "kysely";
import type { Schema, SigningKeyTable } from "../schema.js";

/** A signing key row. */
export type SigningKeyRow = Selectable<SigningKeyTable>;

/** The tenant's keys that are not retired, newest first. */
export async function listActiveKeys(db: Kysely<Schema>, tenantId: string): Promise<SigningKeyRow[]> {
  return db
    .selectFrom("signing_keys")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("retired_at", "is", null)
    .orderBy("created_at", "desc")
    .orderBy("kid")
    .execute();
}

/** Stores a new key. */
export async function insertKey(
  db: Kysely<Schema>,
  key: { kid: string; tenantId: string; alg: SigningKeyRow["alg"]; publicJwk: Record<string, string>; privateKey: Uint8Array },
): Promise<void> {
  await db
    .insertInto("signing_keys")
    .values({ kid: key.kid, tenant_id: key.tenantId, alg: key.alg, public_jwk: JSON.stringify(key.publicJwk), private_key: key.privateKey })
    .execute();
}

/** Marks a key retired: no longer published, no longer verifies. False when it was not active. */
export async function retireKey(db: Kysely<Schema>, tenantId: string, kid: string): Promise<boolean> {
  const result = await db
    .updateTable("signing_keys")
    .set({ retired_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("kid", "=", kid)
    .where("retired_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Serialises key creation across replicas for the rest of the transaction. */
export async function lockSigningKeys(db: Kysely<Schema>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('tessera.signing_keys'))`.execute(db);
}
