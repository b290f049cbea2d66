import { sql, type Kysely, type Selectable } from "kysely";
import type { Schema, VerificationTable, VerifyTotpSecretTable } from "../schema.js";

/** A verification row. */
export type VerificationRow = Selectable<VerificationTable>;

/** A consumer's TOTP secret row. */
export type TotpSecretRow = Selectable<VerifyTotpSecretTable>;

/** A verification to store. */
export interface NewVerification {
  id: string;
  tenantId: string;
  method: VerificationRow["method"];
  consumer: string;
  codeHash: Uint8Array | null;
  payload: Record<string, unknown> | undefined;
  expiresAt: Date;
}

/**
 * Stores a verification. A closed or expired one holding the same id is replaced; a live one
 * is not: returns undefined then.
 */
export async function insertVerification(db: Kysely<Schema>, verification: NewVerification): Promise<VerificationRow | undefined> {
  await db
    .deleteFrom("verifications")
    .where("id", "=", verification.id)
    .where((eb) => eb.or([eb("closed_at", "is not", null), eb("expires_at", "<=", sql<Date>`now()`)]))
    .execute();
  return db
    .insertInto("verifications")
    .values({
      id: verification.id,
      tenant_id: verification.tenantId,
      method: verification.method,
      consumer: verification.consumer,
      code_hash: verification.codeHash,
      payload: verification.payload === undefined ? null : JSON.stringify(verification.payload),
      expires_at: verification.expiresAt,
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** A live (not closed, not expired) verification of `method`, locked when `forUpdate`. */
export async function findLiveVerification(
  db: Kysely<Schema>,
  key: { tenantId: string; method: VerificationRow["method"]; id: string },
  forUpdate = false,
): Promise<VerificationRow | undefined> {
  let query = db
    .selectFrom("verifications")
    .selectAll()
    .where("id", "=", key.id)
    .where("tenant_id", "=", key.tenantId)
    .where("method", "=", key.method)
    .where("closed_at", "is", null)
    .where("expires_at", ">", sql<Date>`now()`);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Counts a wrong code; closes the verification when it reaches `maxAttempts`. */
export async function countWrongCode(db: Kysely<Schema>, id: string, maxAttempts: number): Promise<VerificationRow> {
  return db
    .updateTable("verifications")
    .set({ attempts: sql<number>`attempts + 1`, closed_at: sql<Date>`case when attempts + 1 >= ${maxAttempts} then now() else closed_at end` })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Closes a live verification (consumed or deleted); false when there was none. */
export async function closeVerification(db: Kysely<Schema>, key: { tenantId: string; method: VerificationRow["method"]; id: string }): Promise<boolean> {
  const result = await db
    .updateTable("verifications")
    .set({ closed_at: sql<Date>`now()` })
    .where("id", "=", key.id)
    .where("tenant_id", "=", key.tenantId)
    .where("method", "=", key.method)
    .where("closed_at", "is", null)
    .where("expires_at", ">", sql<Date>`now()`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Sets a new temporary TOTP secret for the consumer unless a confirmed one exists. Returns
 * true when the new secret was stored (and must be shown), false when the confirmed one stays.
 */
export async function offerTotpSecret(db: Kysely<Schema>, key: { tenantId: string; consumer: string }, sealed: Uint8Array): Promise<boolean> {
  const row = await db
    .insertInto("verify_totp_secrets")
    .values({ tenant_id: key.tenantId, consumer: key.consumer, secret: sealed })
    .onConflict((oc) =>
      oc
        .columns(["tenant_id", "consumer"])
        .doUpdateSet({ secret: sealed, last_used_step: null, updated_at: sql<Date>`now()` })
        .where("verify_totp_secrets.confirmed_at", "is", null),
    )
    .returning("consumer")
    .executeTakeFirst();
  return row !== undefined;
}

/** The consumer's TOTP secret, locked for the rest of the transaction. */
export async function lockTotpSecret(db: Kysely<Schema>, key: { tenantId: string; consumer: string }): Promise<TotpSecretRow | undefined> {
  return db.selectFrom("verify_totp_secrets").selectAll().where("tenant_id", "=", key.tenantId).where("consumer", "=", key.consumer).forUpdate().executeTakeFirst();
}

/** Records an accepted TOTP step and confirms the secret. */
export async function useTotpStep(db: Kysely<Schema>, key: { tenantId: string; consumer: string }, step: number): Promise<void> {
  await db
    .updateTable("verify_totp_secrets")
    .set({ last_used_step: step, confirmed_at: sql<Date>`coalesce(confirmed_at, now())`, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", key.tenantId)
    .where("consumer", "=", key.consumer)
    .execute();
}

/** Removes the consumer's TOTP secret. */
export async function deleteTotpSecret(db: Kysely<Schema>, key: { tenantId: string; consumer: string }): Promise<void> {
  await db.deleteFrom("verify_totp_secrets").where("tenant_id", "=", key.tenantId).where("consumer", "=", key.consumer).execute();
}
