import { sql, type Kysely, type Selectable } from "kysely";
import type { AuthfiUserTable, Schema } from "../schema.js";

/** An AuthFi user row. */
export type AuthfiUserRow = Selectable<AuthfiUserTable>;

/** The access point's user with this account name. */
export async function findUserByName(db: Kysely<Schema>, tenantId: string, name: string): Promise<AuthfiUserRow | undefined> {
  return db.selectFrom("authfi_users").selectAll().where("tenant_id", "=", tenantId).where("name", "=", name).executeTakeFirst();
}

/** The access point's user with this id; `lock` holds the row until the transaction ends. */
export async function findUser(db: Kysely<Schema>, tenantId: string, userId: string, lock = false): Promise<AuthfiUserRow | undefined> {
  const query = db.selectFrom("authfi_users").selectAll().where("tenant_id", "=", tenantId).where("user_id", "=", userId);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

/** Creates a user of the access point (with the id its registration chose): a row in `users` and its AuthFi record. */
export async function insertUser(db: Kysely<Schema>, tenantId: string, user: { id: string; name: string; displayName: string }): Promise<AuthfiUserRow> {
  await db.insertInto("users").values({ id: user.id, tenant_id: tenantId }).execute();
  return db
    .insertInto("authfi_users")
    .values({ user_id: user.id, tenant_id: tenantId, name: user.name, display_name: user.displayName })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** How many users the access point has; `lock` serialises user creation on the tenant row. */
export async function countUsers(db: Kysely<Schema>, tenantId: string, lock = false): Promise<number> {
  if (lock) await db.selectFrom("tenants").select("id").where("id", "=", tenantId).forUpdate().execute();
  const row = await db.selectFrom("authfi_users").select((eb) => eb.fn.countAll<string>().as("n")).where("tenant_id", "=", tenantId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One page of the access point's users, oldest first. */
export async function listUsers(db: Kysely<Schema>, tenantId: string, offset: number, limit: number): Promise<AuthfiUserRow[]> {
  return db.selectFrom("authfi_users").selectAll().where("tenant_id", "=", tenantId).orderBy("created_at").orderBy("user_id").offset(offset).limit(limit).execute();
}

/** Sets the user's state; the updated row, or undefined when there is no such user. */
export async function updateUserState(db: Kysely<Schema>, tenantId: string, userId: string, state: AuthfiUserRow["state"]): Promise<AuthfiUserRow | undefined> {
  return db
    .updateTable("authfi_users")
    .set({ state, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("user_id", "=", userId)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the user with their keys, challenges and AuthFi record (by cascade). */
export async function deleteUser(db: Kysely<Schema>, tenantId: string, userId: string): Promise<void> {
  await db.deleteFrom("users").where("tenant_id", "=", tenantId).where("id", "=", userId).execute();
}
