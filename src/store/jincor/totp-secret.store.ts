import { sql, type Kysely, type Selectable } from "kysely";
import type { ConsumerTotpStore } from "../../products/jincor/jincor.port.js";
import type { Schema, VerifyTotpSecretTable } from "../schema.js";
import { createUsedTotpSteps } from "../totp/used-step.store.js";

/** A consumer's TOTP secret row. */
type TotpSecretRow = Selectable<VerifyTotpSecretTable>;

/** The consumers' TOTP secrets of one tenant, written in the caller's transactions. */
export function createConsumerTotpStore(tenantId: string): ConsumerTotpStore<Kysely<Schema>> {
  const key = (consumer: string) => ({ tenantId, consumer });
  return {
    offer: (tx, consumer, sealedSecret) => offerTotpSecret(tx, key(consumer), sealedSecret),
    async lock(tx, consumer) {
      const row = await lockTotpSecret(tx, key(consumer));
      return row === undefined ? undefined : { sealedSecret: row.secret };
    },
    usedSteps: (tx) => createUsedTotpSteps(tx, tenantId, "jincor"),
    confirm: (tx, consumer) => confirmTotpSecret(tx, key(consumer)),
    remove: (tx, consumer) => deleteTotpSecret(tx, key(consumer)),
  };
}

/**
 * Sets a new temporary TOTP secret for the consumer unless a confirmed one exists. Returns
 * true when the new secret was stored (and must be shown), false when the confirmed one stays.
 */
async function offerTotpSecret(db: Kysely<Schema>, key: { tenantId: string; consumer: string }, sealed: Uint8Array): Promise<boolean> {
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
async function lockTotpSecret(db: Kysely<Schema>, key: { tenantId: string; consumer: string }): Promise<TotpSecretRow | undefined> {
  return db.selectFrom("verify_totp_secrets").selectAll().where("tenant_id", "=", key.tenantId).where("consumer", "=", key.consumer).forUpdate().executeTakeFirst();
}

/** Confirms the consumer's temporary secret (a code of it was accepted); a confirmed one stays as it was. True when it was temporary. */
async function confirmTotpSecret(db: Kysely<Schema>, key: { tenantId: string; consumer: string }): Promise<boolean> {
  const row = await db
    .updateTable("verify_totp_secrets")
    .set({ confirmed_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", key.tenantId)
    .where("consumer", "=", key.consumer)
    .where("confirmed_at", "is", null)
    .returning("consumer")
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes the consumer's TOTP secret; true when there was one. */
async function deleteTotpSecret(db: Kysely<Schema>, key: { tenantId: string; consumer: string }): Promise<boolean> {
  const row = await db.deleteFrom("verify_totp_secrets").where("tenant_id", "=", key.tenantId).where("consumer", "=", key.consumer).returning("consumer").executeTakeFirst();
  return row !== undefined;
}
