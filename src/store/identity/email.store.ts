import { sql, type Kysely, type Selectable } from "kysely";
import type { EmailTable, Schema } from "../schema.js";

/** An email row. */
export type EmailRow = Selectable<EmailTable>;

/** The user's addresses, primary first. */
export async function listEmails(db: Kysely<Schema>, tenantId: string, userId: string): Promise<EmailRow[]> {
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
export async function findEmail(db: Kysely<Schema>, tenantId: string, userId: string, emailId: string): Promise<EmailRow | undefined> {
  return db.selectFrom("emails").selectAll().where("id", "=", emailId).where("tenant_id", "=", tenantId).where("user_id", "=", userId).executeTakeFirst();
}

/** The user's primary address. */
export async function findPrimaryEmail(db: Kysely<Schema>, tenantId: string, userId: string): Promise<EmailRow | undefined> {
  return db.selectFrom("emails").selectAll().where("tenant_id", "=", tenantId).where("user_id", "=", userId).where("is_primary", "=", true).executeTakeFirst();
}

/** Adds an unverified address; undefined when the tenant already has it. */
export async function insertEmail(db: Kysely<Schema>, tenantId: string, userId: string, address: string): Promise<EmailRow | undefined> {
  return db
    .insertInto("emails")
    .values({ tenant_id: tenantId, user_id: userId, address, verified: false, is_primary: false })
    .onConflict((conflict) => conflict.columns(["tenant_id", "address"]).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Makes `emailId` the user's only primary address. */
export async function setPrimaryEmail(db: Kysely<Schema>, userId: string, emailId: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.updateTable("emails").set({ is_primary: false, updated_at: sql<Date>`now()` }).where("user_id", "=", userId).where("is_primary", "=", true).where("id", "!=", emailId).execute();
    await tx.updateTable("emails").set({ is_primary: true, updated_at: sql<Date>`now()` }).where("user_id", "=", userId).where("id", "=", emailId).execute();
  });
}

/** Marks an address verified. */
export async function markEmailVerified(db: Kysely<Schema>, emailId: string): Promise<void> {
  await db.updateTable("emails").set({ verified: true, updated_at: sql<Date>`now()` }).where("id", "=", emailId).execute();
}

/** Deletes an address unless it is the primary one; false when nothing was deleted. */
export async function deleteNonPrimaryEmail(db: Kysely<Schema>, userId: string, emailId: string): Promise<boolean> {
  const result = await db.deleteFrom("emails").where("id", "=", emailId).where("user_id", "=", userId).where("is_primary", "=", false).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
