import { sql, type Kysely, type Selectable } from "kysely";
import type { AuditEvent, AuditEventType, AuditOutcome, AuditProduct } from "../../core/audit/audit-event.js";
import type { AuditFilter, AuditReader, AuditStore, NewAuditEvent } from "../../core/audit/audit.port.js";
import type { AuditEventTable, Schema } from "../schema.js";

/**
 * The channel committed events are announced on, for live watches on every replica. The payload
 * is empty, the same for every event, so PostgreSQL folds a transaction's announcements into
 * one notification: a watch reads from its last sequence, not from the payload.
 */
export const auditChannel = "tessera_audit";

/** The body a webhook receives for an event (Standard Webhooks: `type`, `timestamp`, `data`). */
export function webhookPayload(event: NewAuditEvent): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: {
      id: event.id,
      type: event.type,
      outcome: event.outcome,
      product: event.product,
      user_id: event.userId,
      tenant_id: event.tenantId,
      reason: event.reason,
      client_ip: event.clientIp,
      user_agent: event.userAgent,
      actor: event.actor,
      details: event.details,
      occurred_at: event.occurredAt.toISOString(),
    },
  });
}

/**
 * Writes the event, queues it on the outbox's `webhook` channel for every enabled endpoint
 * subscribed to its type (ordered per endpoint and user), and announces it: one statement, so the
 * act pays one round trip for its trail. The endpoints are the operator's, whatever tenant keeps
 * them: they hear every tenant's events (each AuthFi access point is a tenant of its own).
 */
async function insertEvent(executor: Kysely<Schema>, event: NewAuditEvent): Promise<void> {
  await sql`
    with event as (
      insert into audit_events (id, tenant_id, occurred_at, type, outcome, product, user_id, reason, client_ip, user_agent, actor, details)
      values (${event.id}, ${event.tenantId}, ${event.occurredAt}, ${event.type}, ${event.outcome}, ${event.product}, ${event.userId},
              ${event.reason}, ${event.clientIp}, ${event.userAgent}, ${event.actor}, ${JSON.stringify(event.details)}::jsonb)
),
    queued as (
      insert into outbox (tenant_id, channel, recipient, subject, body, ordering_key)
      select webhook.tenant_id, 'webhook', webhook.id::text, ${event.id}, ${webhookPayload(event)},
             case when ${event.userId}::text is null then null else webhook.id::text || ':' || ${event.userId}::text end
      from webhooks webhook
      where webhook.enabled
        and (webhook.event_types = '[]'::jsonb or webhook.event_types @> jsonb_build_array(${event.type}::text))
      returning id, recipient),
    logged as (
      insert into webhook_deliveries (id, webhook_id, event_id)
      select id, recipient::uuid, ${event.id} from queued
      returning 1)
    select pg_notify(${auditChannel}, ''),
           case when (select count(*) from logged) > 0 then pg_notify('tessera_outbox', '') end`.execute(executor);
}

/**
 * Writes many events and their webhook deliveries in one statement (an import's batch of users):
 * the same rows as `insertEvent` for each, one round trip for all.
 */
async function insertEvents(executor: Kysely<Schema>, events: readonly NewAuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = sql.join(
    events.map(
      (event) =>
        sql`(${event.id}::uuid, ${event.tenantId}::uuid, ${event.occurredAt}::timestamptz, ${event.type}, ${event.outcome}, ${event.product}, ${event.userId}::uuid,
             ${event.reason}, ${event.clientIp}, ${event.userAgent}, ${event.actor}, ${JSON.stringify(event.details)}::jsonb, ${webhookPayload(event)})`,
    ),
  );
  await sql`
    with given (id, tenant_id, occurred_at, type, outcome, product, user_id, reason, client_ip, user_agent, actor, details, payload) as (values ${rows}),
    event as (
      insert into audit_events (id, tenant_id, occurred_at, type, outcome, product, user_id, reason, client_ip, user_agent, actor, details)
      select id, tenant_id, occurred_at, type, outcome, product, user_id, reason, client_ip, user_agent, actor, details from given
),
    queued as (
      insert into outbox (tenant_id, channel, recipient, subject, body, ordering_key)
      select webhook.tenant_id, 'webhook', webhook.id::text, given.id::text, given.payload,
             case when given.user_id is null then null else webhook.id::text || ':' || given.user_id::text end
      from given
      join webhooks webhook on webhook.enabled
        and (webhook.event_types = '[]'::jsonb or webhook.event_types @> jsonb_build_array(given.type::text))
      returning id, recipient, subject),
    logged as (
      insert into webhook_deliveries (id, webhook_id, event_id)
      select id, recipient::uuid, subject::uuid from queued
      returning 1)
    select pg_notify(${auditChannel}, ''),
           case when (select count(*) from logged) > 0 then pg_notify('tessera_outbox', '') end`.execute(executor);
}

/** The audit trail in `audit_events`; the transaction is a Kysely one. */
export function createAuditStore(db: Kysely<Schema>): AuditStore<Kysely<Schema>> {
  return {
    insert: (tx, event) => insertEvent(tx, event),
    insertMany: (tx, events) => insertEvents(tx, events),
    insertAlone: (event) => insertEvent(db, event),
  };
}

/** Reads the trail for the admin API. */
export function createAuditReader(db: Kysely<Schema>): AuditReader {
  const filtered = (filter: AuditFilter) => {
    let query = db.selectFrom("audit_events").selectAll();
    if (filter.tenantId !== undefined) query = query.where("tenant_id", "=", filter.tenantId);
    if (filter.userId !== undefined) query = query.where("user_id", "=", filter.userId);
    if (filter.types !== undefined && filter.types.length > 0) query = query.where("type", "in", filter.types);
    if (filter.product !== undefined) query = query.where("product", "=", filter.product);
    if (filter.outcome !== undefined) query = query.where("outcome", "=", filter.outcome);
    if (filter.from !== undefined) query = query.where("occurred_at", ">=", filter.from);
    if (filter.until !== undefined) query = query.where("occurred_at", "<", filter.until);
    return query;
  };
  return {
    async list(filter, limit, before) {
      let query = filtered(filter);
      if (before !== undefined) query = query.where(sql<boolean>`sequence < ${before.toString()}::bigint`);
      return (await query.orderBy("sequence", "desc").limit(limit).execute()).map(toEvent);
    },
    async since(filter, after, limit) {
      const rows = await filtered(filter).where(sql<boolean>`sequence > ${after.toString()}::bigint`).orderBy("sequence", "asc").limit(limit).execute();
      return rows.map(toEvent);
    },
    async sequenceOf(id) {
      const row = await db.selectFrom("audit_events").select("sequence").where("id", "=", id).executeTakeFirst();
      return row === undefined ? undefined : BigInt(row.sequence);
    },
    async latest() {
      const row = await db.selectFrom("audit_events").select(sql<string>`coalesce(max(sequence), 0)::text`.as("latest")).executeTakeFirstOrThrow();
      return BigInt(row.latest);
    },
    async committed(after, limit, among) {
      // The newest `limit` sequences after `after` (an index-only read of the key), then the gaps asked about.
      const next = await db.selectFrom("audit_events").select(sql<string>`sequence::text`.as("sequence")).where(sql<boolean>`sequence > ${after.toString()}::bigint`).orderBy("sequence", "asc").limit(limit).execute();
      const found = among.length === 0 ? [] : await db.selectFrom("audit_events").select(sql<string>`sequence::text`.as("sequence")).where(sql<boolean>`sequence in (${sql.join(among.map((sequence) => sql`${sequence.toString()}::bigint`))})`).execute();
      return [...new Set([...found, ...next].map((row) => BigInt(row.sequence)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    },
    async at(filter, sequences) {
      if (sequences.length === 0) return [];
      const rows = await filtered(filter).where(sql<boolean>`sequence in (${sql.join(sequences.map((sequence) => sql`${sequence.toString()}::bigint`))})`).orderBy("sequence", "asc").execute();
      return rows.map(toEvent);
    },
  };
}

function toEvent(row: Selectable<AuditEventTable>): AuditEvent {
  return {
    id: row.id,
    sequence: BigInt(row.sequence),
    occurredAt: row.occurred_at,
    tenantId: row.tenant_id,
    type: row.type as AuditEventType,
    outcome: row.outcome as AuditOutcome,
    product: row.product as AuditProduct,
    userId: row.user_id,
    reason: row.reason,
    clientIp: row.client_ip,
    userAgent: row.user_agent,
    actor: row.actor,
    details: row.details,
  };
}
