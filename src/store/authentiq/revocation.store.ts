import { sql, type Kysely, type Selectable } from "kysely";
import type { AuthentiqRevocationTable, Schema } from "../schema.js";

/** A revocation request row. */
export type RevocationRow = Selectable<AuthentiqRevocationTable>;

/** Opens a revocation request for a contact, closing the contact's earlier open ones. */
export async function openRevocation(
  db: Kysely<Schema>,
  request: { id: string; tenantId: string; contactHash: Uint8Array; pk: string | null; codeHash: Uint8Array; expiresAt: Date },
): Promise<void> {
  await db
    .updateTable("authentiq_revocations")
    .set({ closed_at: sql<Date>`now()` })
    .where("tenant_id", "=", request.tenantId)
    .where("contact_hash", "=", Buffer.from(request.contactHash))
    .where("closed_at", "is", null)
    .execute();
  await db
    .insertInto("authentiq_revocations")
    .values({ id: request.id, tenant_id: request.tenantId, contact_hash: request.contactHash, pk: request.pk, code_hash: request.codeHash, expires_at: request.expiresAt })
    .execute();
}

/** Revocation requests made for a contact since `since` (the rate limit counts them). */
export async function countRecentRevocations(db: Kysely<Schema>, tenantId: string, contactHash: Uint8Array, since: Date): Promise<number> {
  const row = await db
    .selectFrom("authentiq_revocations")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("tenant_id", "=", tenantId)
    .where("contact_hash", "=", Buffer.from(contactHash))
    .where("created_at", ">", since)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The contact's open request, locked for the rest of the transaction. */
export async function lockOpenRevocation(db: Kysely<Schema>, tenantId: string, contactHash: Uint8Array): Promise<RevocationRow | undefined> {
  return db
    .selectFrom("authentiq_revocations")
    .selectAll()
    .where("tenant_id", "=", tenantId)
    .where("contact_hash", "=", Buffer.from(contactHash))
    .where("closed_at", "is", null)
    .orderBy("created_at", "desc")
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

/** Counts a wrong code; closes the request once `maxAttempts` is reached. Returns the attempts. */
export async function countWrongRevocationCode(db: Kysely<Schema>, id: string, maxAttempts: number): Promise<number> {
  const row = await db
    .updateTable("authentiq_revocations")
    .set((eb) => ({
      attempts: eb("attempts", "+", 1),
      closed_at: sql<Date | null>`case when attempts + 1 >= ${maxAttempts} then now() else null end`,
    }))
    .where("id", "=", id)
    .returning("attempts")
    .executeTakeFirstOrThrow();
  return row.attempts;
}

/** Closes a request (used, expired or exhausted). */
export async function closeRevocation(db: Kysely<Schema>, id: string): Promise<void> {
  await db.updateTable("authentiq_revocations").set({ closed_at: sql<Date>`now()` }).where("id", "=", id).execute();
}
