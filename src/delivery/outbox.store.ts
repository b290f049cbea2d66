import { sql, type Kysely, type Selectable } from "kysely";
import type { OutboxTable, Schema } from "../store/schema.js";

/** An outbox row. */
export type OutboxRow = Selectable<OutboxTable>;

/** A message to deliver. */
export interface OutboxMessage {
  tenantId: string;
  channel: OutboxRow["channel"];
  recipient: string;
  subject?: string;
  body: string;
}

/**
 * Writes a message to the outbox. Call it with the transaction that creates what the message
 * carries, so both commit or neither does; `NOTIFY` wakes the workers of other replicas at
 * commit.
 */
export async function enqueueMessage(db: Kysely<Schema>, message: OutboxMessage): Promise<string> {
  const row = await db
    .insertInto("outbox")
    .values({ tenant_id: message.tenantId, channel: message.channel, recipient: message.recipient, subject: message.subject ?? "", body: message.body })
    .returning("id")
    .executeTakeFirstOrThrow();
  await sql`select pg_notify('tessera_outbox', '')`.execute(db);
  return row.id;
}

/**
 * Claims up to `limit` due messages for `leaseSeconds`, skipping rows another worker holds,
 * and counts the attempt.
 */
export async function claimDueMessages(db: Kysely<Schema>, limit: number, leaseSeconds: number): Promise<OutboxRow[]> {
  const result = await sql<OutboxRow>`
    update outbox set claimed_until = now() + make_interval(secs => ${leaseSeconds}), attempts = attempts + 1
    where id in (
      select id from outbox
      where sent_at is null and failed_at is null and next_attempt_at <= now()
        and (claimed_until is null or claimed_until < now())
      order by next_attempt_at
      limit ${limit}
      for update skip locked)
    returning *`.execute(db);
  return result.rows;
}

/** Marks a message sent and forgets its body (it may carry a one-time code). */
export async function markSent(db: Kysely<Schema>, id: string): Promise<void> {
  await db.updateTable("outbox").set({ sent_at: sql<Date>`now()`, claimed_until: null, body: "", last_error: null }).where("id", "=", id).execute();
}

/** Schedules another attempt after `delaySeconds`, or gives up when `final`. */
export async function markFailed(db: Kysely<Schema>, id: string, error: string, delaySeconds: number, final: boolean): Promise<void> {
  await db
    .updateTable("outbox")
    .set({
      claimed_until: null,
      last_error: error.slice(0, 500),
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${delaySeconds})`,
      ...(final ? { failed_at: sql<Date>`now()`, body: "" } : {}),
    })
    .where("id", "=", id)
    .execute();
}

/** When the next pending message is due, if any. */
export async function nextDueAt(db: Kysely<Schema>): Promise<Date | undefined> {
  const row = await db
    .selectFrom("outbox")
    .select(sql<Date>`min(greatest(next_attempt_at, coalesce(claimed_until, next_attempt_at)))`.as("due"))
    .where("sent_at", "is", null)
    .where("failed_at", "is", null)
    .executeTakeFirst();
  return row?.due ?? undefined;
}
