import { sql, type Kysely, type Selectable } from "kysely";
import { defaultMessageTtlSeconds, type Outbox, type OutboxQueue } from "../../delivery/outbox.port.js";
import type { OutboxTable, Schema } from "../schema.js";

/** An outbox row. */
export type OutboxRow = Selectable<OutboxTable>;

/** A message to deliver. */
export interface OutboxMessage {
  tenantId: string;
  channel: OutboxRow["channel"];
  recipient: string;
  subject?: string;
  body: string;
  /** When what the message carries stops being valid (a code's expiry); unset: 24 hours. */
  expiresAt?: Date;
}

export { defaultMessageTtlSeconds };

/**
 * Writes a message to the outbox. Call it with the transaction that creates what the message
 * carries, so both commit or neither does; `NOTIFY` wakes the workers of other replicas at
 * commit.
 */
export async function enqueueMessage(db: Kysely<Schema>, message: OutboxMessage): Promise<string> {
  const row = await db
    .insertInto("outbox")
    .values({
      tenant_id: message.tenantId,
      channel: message.channel,
      recipient: message.recipient,
      subject: message.subject ?? "",
      body: message.body,
      expires_at: message.expiresAt ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await sql`select pg_notify('tessera_outbox', '')`.execute(db);
  return row.id;
}

/** The outbox of `tenantId`, writing in the caller's transaction when given one. */
export function createOutbox(db: Kysely<Schema>, tenantId: string): Outbox<Kysely<Schema>> {
  return {
    async enqueue(message, tx) {
      await enqueueMessage(tx ?? db, { tenantId, ...message });
    },
  };
}

/** The queue the outbox worker drains, over `db`. */
export function createOutboxQueue(db: Kysely<Schema>): OutboxQueue {
  return {
    claimDue: (channel, limit, leaseSeconds, ttlSeconds, takeOver) => claimDueMessages(db, channel, limit, leaseSeconds, ttlSeconds, takeOver),
    renewLease: (ids, leaseSeconds) => renewLease(db, ids, leaseSeconds),
    markSent: (id) => markSent(db, id),
    markFailed: (id, error, delaySeconds) => markFailed(db, id, error, delaySeconds),
    releaseClaims: (ids) => releaseClaims(db, ids),
    deadLetterExpired: (ttlSeconds) => deadLetterExpired(db, ttlSeconds),
  };
}

/** The moment a pending message is given up: its own expiry, else `ttlSeconds` after it was written. */
function expiry(ttlSeconds: number) {
  return sql`coalesce(expires_at, created_at + make_interval(secs => ${ttlSeconds}))`;
}

/**
 * Seconds a lease must have run out before another worker takes the message over: the worker
 * that sent it may be recording that just as the database comes back.
 */
export const leaseTakeoverMarginSeconds = 3;

/**
 * Claims up to `limit` due messages of `channel` for `leaseSeconds`, skipping rows another
 * worker holds (until their lease has run out by the takeover margin) and rows past their
 * expiry, and counts the attempt.
 */
export async function claimDueMessages(
  db: Kysely<Schema>,
  channel: OutboxRow["channel"],
  limit: number,
  leaseSeconds: number,
  ttlSeconds = defaultMessageTtlSeconds,
  /** False: take only unclaimed messages, never another worker's lapsed claim. */
  takeOver = true,
): Promise<OutboxRow[]> {
  const result = await sql<OutboxRow>`
    update outbox set claimed_until = now() + make_interval(secs => ${leaseSeconds}), attempts = attempts + 1
    where id in (
      select id from outbox
      where sent_at is null and failed_at is null and next_attempt_at <= now() and channel = ${channel}
        and (claimed_until is null or (${takeOver} and claimed_until < now() - make_interval(secs => ${leaseTakeoverMarginSeconds})))
        and ${expiry(ttlSeconds)} > now()
        -- Ordered messages (a user's webhook events) wait while an older one of their key is pending.
        and (ordering_key is null or not exists (
          select 1 from outbox older
          where older.ordering_key = outbox.ordering_key and older.sequence < outbox.sequence
            and older.sent_at is null and older.failed_at is null))
      order by next_attempt_at, sequence
      limit ${limit}
      for update skip locked)
    returning *`.execute(db);
  return result.rows;
}

/** Extends the lease of messages still being sent, so no other worker takes them meanwhile. */
export async function renewLease(db: Kysely<Schema>, ids: readonly string[], leaseSeconds: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("outbox")
    .set({ claimed_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
    .where("id", "in", ids)
    .where("sent_at", "is", null)
    .execute();
}

/** Marks a message sent and forgets its body (it may carry a one-time code). */
export async function markSent(db: Kysely<Schema>, id: string): Promise<void> {
  await db.updateTable("outbox").set({ sent_at: sql<Date>`now()`, claimed_until: null, body: "", last_error: null }).where("id", "=", id).execute();
}

/** Schedules another attempt after `delaySeconds` and releases the claim. */
export async function markFailed(db: Kysely<Schema>, id: string, error: string, delaySeconds: number): Promise<void> {
  await db
    .updateTable("outbox")
    .set({ claimed_until: null, last_error: error.slice(0, 500), next_attempt_at: sql<Date>`now() + make_interval(secs => ${delaySeconds})` })
    .where("id", "=", id)
    .where("sent_at", "is", null)
    .execute();
}

/** Hands claimed messages back to the queue (a stopping worker): due at once, the attempt not counted. */
export async function releaseClaims(db: Kysely<Schema>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("outbox")
    .set({ claimed_until: null, next_attempt_at: sql<Date>`now()`, attempts: sql<number>`greatest(attempts - 1, 0)` })
    .where("id", "in", ids)
    .where("sent_at", "is", null)
    .execute();
}

/**
 * Dead-letters every pending message past its expiry that no worker holds: `failed_at` is set
 * and the body kept for `outbox retry`. Returns how many.
 */
export async function deadLetterExpired(db: Kysely<Schema>, ttlSeconds = defaultMessageTtlSeconds): Promise<Array<OutboxRow["channel"]>> {
  const result = await sql<{ channel: OutboxRow["channel"] }>`
    update outbox set failed_at = now(), claimed_until = null
    where sent_at is null and failed_at is null and ${expiry(ttlSeconds)} <= now()
      and (claimed_until is null or claimed_until < now() - make_interval(secs => ${leaseTakeoverMarginSeconds}))
    returning channel`.execute(db);
  return result.rows.map((row) => row.channel);
}

/** Pending messages of one channel: how many, and how old the oldest is. */
export interface OutboxBacklog {
  channel: OutboxRow["channel"];
  pending: number;
  oldestAgeSeconds: number;
}

/** The pending messages per channel, in one query over the pending-messages index (channels with none are absent). */
export async function outboxBacklog(db: Kysely<Schema>): Promise<OutboxBacklog[]> {
  const result = await sql<{ channel: OutboxRow["channel"]; pending: string | number; oldest_age: string | number | null }>`
    select channel, count(*) as pending, extract(epoch from now() - min(created_at)) as oldest_age
    from outbox where sent_at is null and failed_at is null group by channel`.execute(db);
  return result.rows.map((row) => ({ channel: row.channel, pending: Number(row.pending), oldestAgeSeconds: Math.max(Number(row.oldest_age ?? 0), 0) }));
}

/** A dead-lettered message, as `outbox list` shows it (never its body). */
export interface DeadLetter {
  id: string;
  channel: OutboxRow["channel"];
  recipient: string;
  attempts: number;
  createdAt: Date;
  failedAt: Date;
  lastError: string | null;
}

/** The dead-lettered messages, oldest first. */
export async function listDeadLetters(db: Kysely<Schema>, limit = 1000): Promise<DeadLetter[]> {
  const rows = await db
    .selectFrom("outbox")
    .select(["id", "channel", "recipient", "attempts", "created_at", "failed_at", "last_error"])
    .where("failed_at", "is not", null)
    .where("sent_at", "is", null)
    .orderBy("failed_at")
    .limit(limit)
    .execute();
  return rows.map((row) => ({ id: row.id, channel: row.channel, recipient: row.recipient, attempts: row.attempts, createdAt: row.created_at, failedAt: row.failed_at!, lastError: row.last_error }));
}

/** What `retryDeadLetters` did: how many it queued, and those it left because their own expiry has passed. */
export interface RetryResult {
  queued: number;
  expired: { id: string; recipient: string; expiresAt: Date }[];
}

/**
 * Puts dead-lettered messages (all, or those in `ids`) back in the queue, due now. A message
 * without an expiry of its own gets another `ttlSeconds`; one whose own expiry (a code's) has
 * passed is left dead-lettered and reported: what it carries is no longer valid.
 */
export async function retryDeadLetters(db: Kysely<Schema>, ids: readonly string[] | "all", ttlSeconds = defaultMessageTtlSeconds): Promise<RetryResult> {
  if (ids !== "all" && ids.length === 0) return { queued: 0, expired: [] };
  return db.transaction().execute(async (tx) => {
    let query = tx
      .updateTable("outbox")
      .set({
        failed_at: null,
        attempts: 0,
        next_attempt_at: sql<Date>`now()`,
        expires_at: sql<Date>`coalesce(expires_at, now() + make_interval(secs => ${ttlSeconds}))`,
      })
      .where("failed_at", "is not", null)
      .where("sent_at", "is", null)
      .where((where) => where.or([where("expires_at", "is", null), where("expires_at", ">", sql<Date>`now()`)]));
    if (ids !== "all") query = query.where("id", "in", ids);
    const result = await query.executeTakeFirst();
    let expired = tx
      .selectFrom("outbox")
      .select(["id", "recipient", "expires_at"])
      .where("failed_at", "is not", null)
      .where("sent_at", "is", null)
      .where("expires_at", "<=", sql<Date>`now()`)
      .orderBy("expires_at");
    if (ids !== "all") expired = expired.where("id", "in", ids);
    const rows = await expired.execute();
    const queued = Number(result.numUpdatedRows);
    if (queued > 0) await sql`select pg_notify('tessera_outbox', '')`.execute(tx);
    return { queued, expired: rows.map((row) => ({ id: row.id, recipient: row.recipient, expiresAt: row.expires_at! })) };
  });
}
