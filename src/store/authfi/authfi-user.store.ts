import { sql, type Kysely, type Selectable } from "kysely";
import type { AuthfiUser, AuthfiUserStore } from "../../products/authfi/authfi-user.port.js";
import type { AuthfiUserTable, Schema } from "../schema.js";
import { createCredentialStore } from "../webauthn/credential.store.js";

/** An AuthFi user row. */
type AuthfiUserRow = Selectable<AuthfiUserTable>;

/** AuthFi's users of every access point, and the credential store in a transaction. */
export function createAuthfiUserStore(db: Kysely<Schema>): AuthfiUserStore<Kysely<Schema>> {
  const user = (row: AuthfiUserRow | undefined): AuthfiUser | undefined => (row === undefined ? undefined : toAuthfiUser(row));
  return {
    findByName: async (tenantId, name, tx) => user(await findUserByName(tx ?? db, tenantId, name)),
    find: async (tenantId, userId) => user(await findUser(db, tenantId, userId)),
    lock: async (tx, tenantId, userId) => user(await findUser(tx, tenantId, userId, true)),
    count: (tenantId) => countUsers(db, tenantId),
    countLocked: (tx, tenantId) => countUsers(tx, tenantId, true),
    insert: async (tx, tenantId, newUser) => toAuthfiUser(await insertUser(tx, tenantId, newUser)),
    list: async (tenantId, offset, limit) => (await listUsers(db, tenantId, offset, limit)).map(toAuthfiUser),
    updateState: async (tenantId, userId, state, tx) => user(await updateUserState(tx ?? db, tenantId, userId, state)),
    remove: (tx, tenantId, userId) => deleteUser(tx, tenantId, userId),
    credentialsIn: (tx) => createCredentialStore(tx),
  };
}

function toAuthfiUser(row: AuthfiUserRow): AuthfiUser {
  return { userId: row.user_id, tenantId: row.tenant_id, name: row.name, displayName: row.display_name, state: row.state, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** The access point's user with this account name. */
async function findUserByName(db: Kysely<Schema>, tenantId: string, name: string): Promise<AuthfiUserRow | undefined> {
  return db.selectFrom("authfi_users").selectAll().where("tenant_id", "=", tenantId).where("name", "=", name).executeTakeFirst();
}

/** The access point's user with this id; `lock` holds the row until the transaction ends. */
async function findUser(db: Kysely<Schema>, tenantId: string, userId: string, lock = false): Promise<AuthfiUserRow | undefined> {
  const query = db.selectFrom("authfi_users").selectAll().where("tenant_id", "=", tenantId).where("user_id", "=", userId);
  return (lock ? query.forUpdate() : query).executeTakeFirst();
}

/** Creates a user of the access point (with the id its registration chose): a row in `users` and its AuthFi record. */
async function insertUser(db: Kysely<Schema>, tenantId: string, user: { id: string; name: string; displayName: string }): Promise<AuthfiUserRow> {
  await db.insertInto("users").values({ id: user.id, tenant_id: tenantId, created_through: "authfi" }).execute();
  return db
    .insertInto("authfi_users")
    .values({ user_id: user.id, tenant_id: tenantId, name: user.name, display_name: user.displayName })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** How many users the access point has; `lock` serialises user creation on the tenant row. */
async function countUsers(db: Kysely<Schema>, tenantId: string, lock = false): Promise<number> {
  if (lock) await db.selectFrom("tenants").select("id").where("id", "=", tenantId).forUpdate().execute();
  const row = await db.selectFrom("authfi_users").select((eb) => eb.fn.countAll<string>().as("n")).where("tenant_id", "=", tenantId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One page of the access point's users, oldest first. */
async function listUsers(db: Kysely<Schema>, tenantId: string, offset: number, limit: number): Promise<AuthfiUserRow[]> {
  return db.selectFrom("authfi_users").selectAll().where("tenant_id", "=", tenantId).orderBy("created_at").orderBy("user_id").offset(offset).limit(limit).execute();
}

/** Sets the user's state; the updated row, or undefined when there is no such user. */
async function updateUserState(db: Kysely<Schema>, tenantId: string, userId: string, state: AuthfiUserRow["state"]): Promise<AuthfiUserRow | undefined> {
  return db
    .updateTable("authfi_users")
    .set({ state, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("user_id", "=", userId)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the user with their keys, challenges and AuthFi record (by cascade). */
async function deleteUser(db: Kysely<Schema>, tenantId: string, userId: string): Promise<void> {
  await db.deleteFrom("users").where("tenant_id", "=", tenantId).where("id", "=", userId).execute();
}
