import { sql, type Kysely, type Selectable } from "kysely";
import type { EmailAddress, IdentityStore } from "../../core/identity/identity.port.js";
import type { EmailTable, Schema } from "../schema.js";

type EmailRow = Selectable<EmailTable>;

/** The email reads and writes of the identity store, for one tenant. */
export type EmailStore = Pick<
  IdentityStore<Kysely<Schema>>,
  "listEmails" | "findEmail" | "findPrimaryEmail" | "insertEmail" | "setPrimaryEmail" | "deleteNonPrimaryEmail" | "markEmailVerified"
>;

/** The users' email addresses in the tenant's `emails` rows. */
export function createEmailStore(db: Kysely<Schema>, tenantId: string): EmailStore {
  const email = (row: EmailRow | undefined): EmailAddress | undefined => (row === undefined ? undefined : toEmailAddress(row));
  return {
    listEmails: async (userId) => (await listEmails(db, tenantId, userId)).map(toEmailAddress),
    findEmail: async (userId, emailId) => email(await findEmail(db, tenantId, userId, emailId)),
    findPrimaryEmail: async (userId) => email(await findPrimaryEmail(db, tenantId, userId)),
    insertEmail: async (userId, address) => email(await insertEmail(db, tenantId, userId, address)),
    setPrimaryEmail: (userId, emailId) => setPrimaryEmail(db, userId, emailId),
    deleteNonPrimaryEmail: (userId, emailId) => deleteNonPrimaryEmail(db, userId, emailId),
    markEmailVerified: (tx, emailId) => markEmailVerified(tx, emailId),
  };
}

function toEmailAddress(row: EmailRow): EmailAddress {
  return { id: row.id, userId: row.user_id, address: row.address, verified: row.verified, primary: row.is_primary };
}

/** The user's addresses, primary first. */
async function listEmails(db: Kysely<Schema>, tenantId: string, userId: string): Promise<EmailRow[]> {
  return db
    .selectFrom("emails")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("user_id", "=", userId)
    .orderBy("is_primary", "desc")
    .orderBy("created_at")
    .orderBy("id")
    .execute();
}

/** One of the user's addresses. */
async function findEmail(db: Kysely<Schema>, tenantId: string, userId: string, emailId: string): Promise<EmailRow | undefined> {
  return db.selectFrom("emails").selectAll().where("id", "=", emailId).where("tenant_id", "=", tenantId).where("user_id", "=", userId).executeTakeFirst();
}

/** The user's primary address. */
async function findPrimaryEmail(db: Kysely<Schema>, tenantId: string, userId: string): Promise<EmailRow | undefined> {
  return db.selectFrom("emails").selectAll().where("tenant_id", "=", tenantId).where("user_id", "=", userId).where("is_primary", "=", true).executeTakeFirst();
}

/** Adds an unverified address; undefined when the tenant already has it. */
async function insertEmail(db: Kysely<Schema>, tenantId: string, userId: string, address: string): Promise<EmailRow | undefined> {
  return db
    .insertInto("emails")
    .values({ tenant_id: tenantId, user_id: userId, address, verified: false, is_primary: false })
    .onConflict((conflict) => conflict.columns(["tenant_id", "address"]).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Makes `emailId` the user's only primary address. */
async function setPrimaryEmail(db: Kysely<Schema>, userId: string, emailId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.updateTable("emails").set({ is_primary: false, updated_at: sql<Date>`now()` }).where("user_id", "=", userId).where("is_primary", "=", true).where("id", "!=", emailId).execute();
    await tx.updateTable("emails").set({ is_primary: true, updated_at: sql<Date>`now()` }).where("user_id", "=", userId).where("id", "=", emailId).execute();
  });
}

/** Marks an address verified. */
async function markEmailVerified(db: Kysely<Schema>, emailId: string): Promise<void> {
  await db.updateTable("emails").set({ verified: true, updated_at: sql<Date>`now()` }).where("id", "=", emailId).execute();
}

/** Deletes an address unless it is the primary one; false when nothing was deleted. */
async function deleteNonPrimaryEmail(db: Kysely<Schema>, userId: string, emailId: string): Promise<boolean> {
  const result = await db.deleteFrom("emails").where("id", "=", emailId).where("user_id", "=", userId).where("is_primary", "=", false).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
