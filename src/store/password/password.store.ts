import { sql, type Kysely } from "kysely";
import type { Schema } from "../schema.js";
import type { PasswordStore } from "../../products/hanko/hanko.port.js";

/** The user's password hash, if the user exists in the tenant and has one. */
async function findPasswordHash(db: Kysely<Schema>, tenantId: string, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom("passwords").select("hash").where("user_id", "=", userId).where("tenant_id", "=", tenantId).executeTakeFirst();
  return row?.hash;
}

/** Creates or replaces the user's password hash; true when it was created. */
async function upsertPasswordHash(db: Kysely<Schema>, tenantId: string, userId: string, hash: string): Promise<boolean> {
  const row = await db
    .insertInto("passwords")
    .values({ user_id: userId, tenant_id: tenantId, hash })
    .onConflict((conflict) => conflict.column("user_id").doUpdateSet({ hash, updated_at: sql<Date>`now()` }))
    .returning(sql<boolean>`(xmax = 0)`.as("created"))
    .executeTakeFirstOrThrow();
  return row.created;
}

/** The password store of one tenant, as Hanko's password service needs it. */
export function createPasswordStore(db: Kysely<Schema>, tenantId: string): PasswordStore {
  return {
    findPasswordHash: (userId) => findPasswordHash(db, tenantId, userId),
    savePasswordHash: (userId, hash) => upsertPasswordHash(db, tenantId, userId, hash),
  };
}
