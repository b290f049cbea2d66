import { sql, type Kysely } from "kysely";
import type { IdentityStore, UserByEmail, UserDetails } from "../../core/identity/identity.port.js";
import type { Schema } from "../schema.js";

/** The user reads and writes of the identity store, for one tenant. */
export type UserStore = Pick<IdentityStore<Kysely<Schema>>, "insertUserWithEmail" | "findUserByEmail" | "findUserDetails" | "userExists" | "deleteUser">;

/** The tenant's `users` rows (created with their first email address). */
export function createUserStore(db: Kysely<Schema>, tenantId: string): UserStore {
  return {
    insertUserWithEmail: (address, product, then) => insertUserWithEmail(db, tenantId, address, product, then),
    findUserByEmail: (address, credentialProducts) => findUserByEmail(db, tenantId, address, credentialProducts),
    findUserDetails: (userId, credentialProducts) => findUserDetails(db, tenantId, userId, credentialProducts),
    userExists: (userId) => userExists(db, tenantId, userId),
    deleteUser: (userId, then) => deleteUser(db, tenantId, userId, then),
  };
}

/** Creates a user holding one primary email; undefined when the address is taken. */
async function insertUserWithEmail(
  db: Kysely<Schema>,
  tenantId: string,
  address: string,
  product: string,
  then: (tx: Kysely<Schema>, created: { userId: string; emailId: string }) => Promise<void>,
): Promise<{ userId: string; emailId: string } | undefined> {
  return db.transaction().execute(async (tx) => {
    const user = await tx.insertInto("users").values({ tenant_id: tenantId, created_through: product }).returning("id").executeTakeFirstOrThrow();
    const email = await tx
      .insertInto("emails")
      .values({ tenant_id: tenantId, user_id: user.id, address, is_primary: true, verified: false })
      .onConflict((conflict) => conflict.columns(["tenant_id", "address"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (email === undefined) {
      // Roll the user back with the transaction: nothing half-written stays behind.
      throw new AddressTaken();
    }
    const created = { userId: user.id, emailId: email.id };
    await then(tx, created);
    return created;
  }).catch((error: unknown) => {
    if (error instanceof AddressTaken) return undefined;
    throw error;
  });
}

class AddressTaken extends Error {}

/** Finds the user holding `address` in the tenant; `hasWebauthnCredential` counts the credentials `credentialProducts` registered. */
async function findUserByEmail(db: Kysely<Schema>, tenantId: string, address: string, credentialProducts: readonly string[]): Promise<UserByEmail | undefined> {
  const row = await db
    .selectFrom("emails")
    .select([
      "emails.user_id",
      "emails.id",
      "emails.verified",
      (credentialProducts.length === 0
        ? sql<boolean>`false`
        : sql<boolean>`exists (select 1 from webauthn_credentials c where c.user_id = emails.user_id and c.product in (${sql.join(credentialProducts)}))`
      ).as("has_webauthn_credential"),
    ])
    .where("emails.tenant_id", "=", tenantId)
    .where("emails.address", "=", address)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { userId: row.user_id, emailId: row.id, verified: row.verified, hasWebauthnCredential: row.has_webauthn_credential };
}

/** True when the user exists in the tenant. */
async function userExists(db: Kysely<Schema>, tenantId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom("users").select("id").where("id", "=", userId).where("tenant_id", "=", tenantId).executeTakeFirst();
  return row !== undefined;
}

/** The user's details with the ids of the credentials `credentialProducts` registered, or undefined. */
async function findUserDetails(db: Kysely<Schema>, tenantId: string, userId: string, credentialProducts: readonly string[]): Promise<UserDetails | undefined> {
  const user = await db
    .selectFrom("users")
    .leftJoin("emails", (join) => join.onRef("emails.user_id", "=", "users.id").on("emails.is_primary", "=", true))
    .select(["users.id", "users.created_at", "users.updated_at", "emails.address"])
    .where("users.id", "=", userId)
    .where("users.tenant_id", "=", tenantId)
    .executeTakeFirst();
  if (user === undefined) return undefined;
  const credentials =
    credentialProducts.length === 0
      ? []
      : await db.selectFrom("webauthn_credentials").select("credential_id").where("user_id", "=", userId).where("product", "in", credentialProducts).orderBy("created_at").execute();
  return {
    id: user.id,
    email: user.address ?? "",
    createdAt: user.created_at,
    updatedAt: user.updated_at,
    credentialIds: credentials.map((row) => row.credential_id),
  };
}

/** Deletes the user; sessions, emails, credentials, passwords and codes go with it (cascade). */
async function deleteUser(db: Kysely<Schema>, tenantId: string, userId: string, then: (tx: Kysely<Schema>) => Promise<void>): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const result = await tx.deleteFrom("users").where("id", "=", userId).where("tenant_id", "=", tenantId).executeTakeFirst();
    if (result.numDeletedRows === 0n) return false;
    await then(tx);
    return true;
  });
}
