import { sql, type Kysely, type Selectable } from "kysely";
import type { PasscodeTable, Schema } from "../schema.js";

/** A passcode row. */
export type PasscodeRow = Selectable<PasscodeTable>;

/** Stores a passcode (its code as HMAC). */
export async function insertPasscode(
  db: Kysely<Schema>,
  passcode: { id: string; tenantId: string; userId: string; emailId: string; codeHash: Uint8Array; expiresAt: Date },
): Promise<PasscodeRow> {
  return db
    .insertInto("passcodes")
    .values({ id: passcode.id, tenant_id: passcode.tenantId, user_id: passcode.userId, email_id: passcode.emailId, code_hash: passcode.codeHash, expires_at: passcode.expiresAt })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** How many passcodes the user was sent since `since`. */
export async function countRecentPasscodes(db: Kysely<Schema>, userId: string, since: Date): Promise<number> {
  const row = await db.selectFrom("passcodes").select(sql<number>`count(*)::int`.as("n")).where("user_id", "=", userId).where("created_at", ">", since).executeTakeFirstOrThrow();
  return row.n;
}

/** The passcode, locked for the rest of the transaction. */
export async function lockPasscode(db: Kysely<Schema>, tenantId: string, id: string): Promise<PasscodeRow | undefined> {
  return db.selectFrom("passcodes").selectAll().where("id", "=", id).where("tenant_id", "=", tenantId).forUpdate().executeTakeFirst();
}

/** Counts a wrong attempt; burns the passcode when it reaches `maxAttempts`. Returns the new count. */
export async function countWrongAttempt(db: Kysely<Schema>, id: string, maxAttempts: number): Promise<number> {
  const row = await db
    .updateTable("passcodes")
    .set({ attempts: sql<number>`attempts + 1`, used_at: sql<Date>`case when attempts + 1 >= ${maxAttempts} then now() else used_at end` })
    .where("id", "=", id)
    .returning("attempts")
    .executeTakeFirstOrThrow();
  return row.attempts;
}

/** Marks the passcode used. */
export async function markPasscodeUsed(db: Kysely<Schema>, id: string): Promise<void> {
  await db.updateTable("passcodes").set({ used_at: sql<Date>`now()` }).where("id", "=", id).execute();
}
