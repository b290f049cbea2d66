import { sql, type Kysely, type Selectable } from "kysely";
import type { AccessPoint, AccessPointStore } from "../../products/authfi/tenant.port.js";
import { defaultTenantId, type Schema, type TenantTable } from "../schema.js";

type TenantRow = Selectable<TenantTable>;

/** The AuthFi access points: every tenant but the default one. */
export function createAccessPointStore(db: Kysely<Schema>): AccessPointStore {
  const accessPoint = (row: TenantRow | undefined): AccessPoint | undefined =>
    row === undefined || row.id === defaultTenantId ? undefined : { tenantId: row.id, slug: row.slug, state: row.state, userCap: row.user_cap };
  return {
    transaction: (work) => db.transaction().execute((tx) => work(createAccessPointStore(tx))),
    find: async (slug) => accessPoint(await findTenantBySlug(db, slug)),
    insert: async (tenant) => accessPoint(await insertTenant(db, tenant)),
    update: async (slug, changes) => accessPoint(await updateTenant(db, slug, changes)),
    activeKeyHashes: (tenantId) => activeKeyHashes(db, tenantId),
    async addKey(tenantId, keyHash) {
      await insertApiKey(db, tenantId, keyHash);
      await reinstateApiKey(db, tenantId, keyHash);
    },
    revokeOtherKeys: (tenantId, keepHash) => revokeOtherApiKeys(db, tenantId, keepHash),
  };
}

/** The tenant of an access point (its slug). */
async function findTenantBySlug(db: Kysely<Schema>, slug: string): Promise<TenantRow | undefined> {
  return db.selectFrom("tenants").selectAll().where("slug", "=", slug).executeTakeFirst();
}

/** The HMACs of the tenant's API keys that are not revoked. */
async function activeKeyHashes(db: Kysely<Schema>, tenantId: string): Promise<Uint8Array[]> {
  const rows = await db.selectFrom("tenant_api_keys").select("key_hash").where("tenant_id", "=", tenantId).where("revoked_at", "is", null).execute();
  return rows.map((row) => row.key_hash);
}

/** Creates a tenant, or returns undefined when the slug is taken. */
async function insertTenant(
  db: Kysely<Schema>,
  tenant: { slug: string; state: TenantRow["state"]; userCap: number | null },
): Promise<TenantRow | undefined> {
  return db
    .insertInto("tenants")
    .values({ slug: tenant.slug, state: tenant.state, user_cap: tenant.userCap })
    .onConflict((conflict) => conflict.column("slug").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Stores an API key's HMAC for the tenant; nothing when it is already stored. */
async function insertApiKey(db: Kysely<Schema>, tenantId: string, keyHash: Uint8Array): Promise<void> {
  await db
    .insertInto("tenant_api_keys")
    .values({ tenant_id: tenantId, key_hash: Buffer.from(keyHash), revoked_at: null })
    .onConflict((conflict) => conflict.column("key_hash").doNothing())
    .execute();
}

/** Revokes the tenant's live API keys other than `keepHash`; returns how many. */
async function revokeOtherApiKeys(db: Kysely<Schema>, tenantId: string, keepHash: Uint8Array): Promise<number> {
  const result = await db
    .updateTable("tenant_api_keys")
    .set({ revoked_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("key_hash", "!=", Buffer.from(keepHash))
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Makes a stored key usable again (the configured key wins over an earlier revocation). */
async function reinstateApiKey(db: Kysely<Schema>, tenantId: string, keyHash: Uint8Array): Promise<void> {
  await db.updateTable("tenant_api_keys").set({ revoked_at: null }).where("tenant_id", "=", tenantId).where("key_hash", "=", Buffer.from(keyHash)).execute();
}

/** Sets a tenant's state and user cap (each only when given); undefined when no such slug. */
async function updateTenant(
  db: Kysely<Schema>,
  slug: string,
  changes: { state?: TenantRow["state"]; userCap?: number | null },
): Promise<TenantRow | undefined> {
  return db
    .updateTable("tenants")
    .set({ ...(changes.state === undefined ? {} : { state: changes.state }), ...(changes.userCap === undefined ? {} : { user_cap: changes.userCap }) })
    .where("slug", "=", slug)
    .where("id", "!=", defaultTenantId)
    .returningAll()
    .executeTakeFirst();
}
