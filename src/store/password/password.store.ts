import { sql, type Kysely } from "kysely";
import type { PasswordHashStore } from "../../core/password/password.port.js";
import type { Schema } from "../schema.js";
import type { PasswordStore } from "../../products/hanko/hanko.port.js";

/** The user's password hash, if the user exists in the tenant and has one. */
async function findPasswordHash(db: Kysely<Schema>, tenantId: string, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom("passwords").select("hash").where("user_id", "=", userId).where("tenant_id", "=", tenantId).executeTakeFirst();
  return row?.hash;
}

/** Creates or replaces the user's password hash; true when it was created. */
export async function upsertPasswordHash(db: Kysely<Schema>, tenantId: string, userId: string, hash: string): Promise<boolean> {
  const row = await db
    .insertInto("passwords")
    .values({ user_id: userId, tenant_id: tenantId, hash })
    .onConflict((conflict) => conflict.column("user_id").doUpdateSet({ hash, updated_at: sql<Date>`now()` }))
    .returning(sql<boolean>`(xmax = 0)`.as("created"))
    .executeTakeFirstOrThrow();
  return row.created;
}

/** Replaces the user's hash by `next` only while it is still `previous`; true when it did. */
async function replacePasswordHash(db: Kysely<Schema>, tenantId: string, userId: string, previous: string, next: string): Promise<boolean> {
  const row = await db
    .updateTable("passwords")
    .set({ hash: next, updated_at: sql<Date>`now()` })
    .where("user_id", "=", userId)
    .where("tenant_id", "=", tenantId)
    .where("hash", "=", previous)
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * How many users of the tenant have each hash scheme: the text between the first `$` and the salt
 * (`argon2id$v=19$m=…` keeps three fields, every other format two: `2b$10`, `pbkdf2-sha256$i=…`).
 * One GROUP BY over the tenant's passwords, the 16 most common.
 */
async function countHashSchemes(db: Kysely<Schema>, tenantId: string): Promise<Array<{ scheme: string; users: number }>> {
  const scheme = sql<string>`case when split_part(hash, '$', 2) like 'argon2%' then split_part(hash, '$', 2) || '$' || split_part(hash, '$', 3) || '$' || split_part(hash, '$', 4) else split_part(hash, '$', 2) || '$' || split_part(hash, '$', 3) end`;
  const rows = await db
    .selectFrom("passwords")
    .select([scheme.as("scheme"), sql<string>`count(*)`.as("users")])
    .where("tenant_id", "=", tenantId)
    .groupBy(sql`1`)
    .orderBy(sql`2`, "desc")
    .limit(16)
    .execute();
  return rows.map((row) => ({ scheme: row.scheme, users: Number(row.users) }));
}

/**
 * Stores `hash` verbatim as the password hash of `userId` (a user of `tenantId`) unless the user
 * already has one: an import's write, run in the import's transaction (`db` may be one). True when
 * it was stored. The caller checks the hash with `parsePasswordHash` first: what is stored here
 * must verify at login.
 */
export async function insertPasswordHashIfAbsent(db: Kysely<Schema>, tenantId: string, userId: string, hash: string): Promise<boolean> {
  const row = await db
    .insertInto("passwords")
    .values({ user_id: userId, tenant_id: tenantId, hash })
    .onConflict((conflict) => conflict.column("user_id").doNothing())
    .returning("user_id")
    .executeTakeFirst();
  return row !== undefined;
}

/** The password store of one tenant, as Hanko's password service needs it. */
export function createPasswordStore(db: Kysely<Schema>, tenantId: string): PasswordStore {
  return {
    savePasswordHash: (userId, hash, then) =>
      db.transaction().execute(async (tx) => {
        const created = await upsertPasswordHash(tx, tenantId, userId, hash);
        await then(tx, created);
        return created;
      }),
    async findUserIdByUsername(username) {
      const row = await db.selectFrom("users").select("id").where("tenant_id", "=", tenantId).where("username", "=", username).executeTakeFirst();
      return row?.id;
    },
  };
}

/** The password hashes of one tenant, as the core password check reads and upgrades them. */
export function createPasswordHashStore(db: Kysely<Schema>, tenantId: string): PasswordHashStore {
  return {
    findPasswordHash: (userId) => findPasswordHash(db, tenantId, userId),
    replacePasswordHash: (userId, previous, next) => replacePasswordHash(db, tenantId, userId, previous, next),
    countHashSchemes: () => countHashSchemes(db, tenantId),
  };
}
