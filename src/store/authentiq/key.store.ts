import { sql, type Kysely, type Selectable } from "kysely";
import type { AuthentiqKey, AuthentiqKeyStore, KeyRevocationStore } from "../../products/authentiq/key.port.js";
import type { AuthentiqKeyTable, Schema } from "../schema.js";

/** An Authentiq key row. */
type AuthentiqKeyRow = Selectable<AuthentiqKeyTable>;

/** The Authentiq keys of `tenantId`. */
export function createAuthentiqKeyStore(db: Kysely<Schema>, tenantId: string): AuthentiqKeyStore {
  return {
    find: async (pk) => {
      const row = await findKey(db, tenantId, pk);
      return row === undefined ? undefined : toKey(row);
    },
    insert: (key, then) => actAndThen(db, (tx) => insertKey(tx, { tenantId, ...key }), then),
    updateDevtoken: (pk, devtoken) => updateDevtoken(db, tenantId, pk, devtoken),
    bindContact: (pk, hashes) => bindContact(db, tenantId, pk, hashes),
    revoke: (pk, then) => actAndThen(db, (tx) => revokeKey(tx, tenantId, pk), then),
  };
}

/** Runs `act` and, when it did something, `then` (its audit record), in one transaction. */
function actAndThen(db: Kysely<Schema>, act: (tx: Kysely<Schema>) => Promise<boolean>, then: (tx: Kysely<Schema>) => Promise<void>): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    if (!(await act(tx))) return false;
    await then(tx);
    return true;
  });
}

/** The keys of `tenantId` as a revocation by contact finds and revokes them. */
export function createKeyRevocationStore(db: Kysely<Schema>, tenantId: string): KeyRevocationStore<Kysely<Schema>> {
  return {
    findLiveByContact: async (hashes) => {
      const row = await findLiveKeyByContact(db, tenantId, hashes);
      return row === undefined ? undefined : toKey(row);
    },
    revokeIn: (tx, pk) => revokeKey(tx, tenantId, pk),
  };
}

function toKey(row: AuthentiqKeyRow): AuthentiqKey {
  return { pk: row.pk, devtoken: row.devtoken, secretHash: row.secret_hash, createdAt: row.created_at, revoked: row.revoked_at !== null };
}

/** The key `pk` of the tenant, revoked or not. */
async function findKey(db: Kysely<Schema>, tenantId: string, pk: string): Promise<AuthentiqKeyRow | undefined> {
  return db.selectFrom("authentiq_keys").selectAll().where("tenant_id", "=", tenantId).where("pk", "=", pk).executeTakeFirst();
}

/** Stores a new key; false when the tenant already has it. */
async function insertKey(db: Kysely<Schema>, key: { tenantId: string; pk: string; devtoken: string; secretHash: Uint8Array }): Promise<boolean> {
  const inserted = await db
    .insertInto("authentiq_keys")
    .values({ tenant_id: key.tenantId, pk: key.pk, devtoken: key.devtoken, secret_hash: key.secretHash })
    .onConflict((oc) => oc.columns(["tenant_id", "pk"]).doNothing())
    .returning("pk")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Sets the device token of a live key; false when the key is not live. */
async function updateDevtoken(db: Kysely<Schema>, tenantId: string, pk: string, devtoken: string): Promise<boolean> {
  const result = await db
    .updateTable("authentiq_keys")
    .set({ devtoken, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("pk", "=", pk)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Binds the email and phone hashes to a live key; false when another live key holds the same
 * pair (the unique index decides, so two racing binds cannot both win).
 */
async function bindContact(db: Kysely<Schema>, tenantId: string, pk: string, hashes: { email: Uint8Array; phone: Uint8Array }): Promise<boolean> {
  try {
    await db
      .updateTable("authentiq_keys")
      .set({ email_hash: hashes.email, phone_hash: hashes.phone, updated_at: sql<Date>`now()` })
      .where("tenant_id", "=", tenantId)
      .where("pk", "=", pk)
      .where("revoked_at", "is", null)
      .execute();
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

/** The live key bound to an email and phone pair. */
async function findLiveKeyByContact(db: Kysely<Schema>, tenantId: string, hashes: { email: Uint8Array; phone: Uint8Array }): Promise<AuthentiqKeyRow | undefined> {
  return db
    .selectFrom("authentiq_keys")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("email_hash", "=", Buffer.from(hashes.email))
    .where("phone_hash", "=", Buffer.from(hashes.phone))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
}

/** Revokes a live key; false when it was not live. */
async function revokeKey(db: Kysely<Schema>, tenantId: string, pk: string): Promise<boolean> {
  const result = await db
    .updateTable("authentiq_keys")
    .set({ revoked_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("pk", "=", pk)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "23505";
}
