import { sql, type ExpressionBuilder, type Kysely, type Selectable } from "kysely";
import type { ChallengeKey, ChallengeLookup, ChallengeStore, StoredChallenge } from "../../core/challenge/challenge.port.js";
import { enqueueMessage } from "../outbox/outbox.store.js";
import type { ChallengeTable, Schema } from "../schema.js";

type ChallengeRow = Selectable<ChallengeTable>;

/** The challenges of a tenant in the `challenges` table; the transaction is a Kysely one. */
export function createChallengeStore(db: Kysely<Schema>, tenantId: string): ChallengeStore<Kysely<Schema>> {
  // Every statement on one challenge names the whole key: the same id of another tenant or purpose is another challenge.
  const keyIs = (key: ChallengeKey) => (eb: ExpressionBuilder<Schema, "challenges">) =>
    eb.and([eb("tenant_id", "=", tenantId), eb("purpose", "=", key.purpose), eb("id", "=", key.id)]);
  const select = (executor: Kysely<Schema>, lookup: ChallengeLookup) => {
    const query = executor.selectFrom("challenges").selectAll().where("tenant_id", "=", tenantId).where("purpose", "=", lookup.purpose);
    // By subject: only the newest open one answers (an older one was replaced).
    return "id" in lookup
      ? query.where("id", "=", lookup.id)
      : query.where("subject", "=", Buffer.from(lookup.subject)).where("closed_at", "is", null).orderBy("created_at", "desc").limit(1);
  };
  const open = (lookup: ChallengeLookup, at: Date) => (executor: Kysely<Schema>) =>
    select(executor, lookup).where("closed_at", "is", null).where("expires_at", ">", at);

  return {
    async insert(challenge, options) {
      return db.transaction().execute(async (tx) => {
        if (options.replaceOpen && challenge.subject !== null) {
          await tx
            .updateTable("challenges")
            .set({ closed_at: options.at })
            .where("tenant_id", "=", tenantId)
            .where("purpose", "=", challenge.purpose)
            .where("subject", "=", Buffer.from(challenge.subject))
            .where("closed_at", "is", null)
            .execute();
        }
        // A caller-chosen id may be taken again once its challenge is closed or expired.
        await tx
          .deleteFrom("challenges")
          .where(keyIs(challenge))
          .where((eb) => eb.or([eb("closed_at", "is not", null), eb("expires_at", "<=", options.at)]))
          .execute();
        const row = await tx
          .insertInto("challenges")
          .values({
            id: challenge.id,
            tenant_id: tenantId,
            purpose: challenge.purpose,
            subject: challenge.subject === null ? null : Buffer.from(challenge.subject),
            secret_hash: challenge.secretHash === null ? null : Buffer.from(challenge.secretHash),
            max_attempts: challenge.maxAttempts,
            user_id: challenge.userId,
            data: JSON.stringify(challenge.data),
            created_at: options.at,
            expires_at: challenge.expiresAt,
          })
          .onConflict((conflict) => conflict.columns(["tenant_id", "purpose", "id"]).doNothing())
          .returningAll()
          .executeTakeFirst();
        if (row === undefined) return undefined;
        await options.alongside?.(tx);
        if (options.message !== undefined) await enqueueMessage(tx, { tenantId, ...options.message });
        return toChallenge(row);
      });
    },
    async withLocked(lookup, work) {
      return db.transaction().execute(async (tx) => {
        const row = await select(tx, lookup).forUpdate().executeTakeFirst();
        return work(tx, row === undefined ? undefined : toChallenge(row));
      });
    },
    async countWrong(tx, key, at) {
      // One statement reads and writes the count: concurrent wrong answers cannot lose one.
      const row = await tx
        .updateTable("challenges")
        .set({ attempts: sql<number>`attempts + 1`, closed_at: sql<Date>`case when attempts + 1 >= max_attempts then ${at} else closed_at end` })
        .where(keyIs(key))
        .returning("attempts")
        .executeTakeFirstOrThrow();
      return row.attempts;
    },
    async close(tx, key, at) {
      await tx.updateTable("challenges").set({ closed_at: at }).where(keyIs(key)).execute();
    },
    async find(lookup, openAt) {
      const row = await (openAt === undefined ? select(db, lookup) : open(lookup, openAt)(db)).executeTakeFirst();
      return row === undefined ? undefined : toChallenge(row);
    },
    async closeOpen(lookup, at) {
      const row = await open(lookup, at)(db).executeTakeFirst();
      if (row === undefined) return false;
      const result = await db.updateTable("challenges").set({ closed_at: at }).where(keyIs(row)).where("closed_at", "is", null).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

function toChallenge(row: ChallengeRow): StoredChallenge {
  return {
    id: row.id,
    purpose: row.purpose,
    subject: row.subject,
    secretHash: row.secret_hash,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    closedAt: row.closed_at,
    data: row.data,
  };
}
