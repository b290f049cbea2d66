import type { ColumnType, Generated } from "kysely";
import type { CreatedAt, Timestamp } from "./column-types.js";

// The audit trail and the webhooks that carry it.

/** One security-relevant act; `sequence` orders the log. */
export interface AuditEventTable {
  sequence: ColumnType<string, never, never>;
  id: string;
  tenant_id: string;
  occurred_at: Date;
  type: string;
  outcome: "success" | "failure";
  product: string;
  user_id: string | null;
  reason: string;
  client_ip: string | null;
  user_agent: string | null;
  actor: string | null;
  details: ColumnType<Record<string, unknown>, string, string>;
}

/** A webhook endpoint; its secret sealed under the server key. */
export interface WebhookTable {
  id: Generated<string>;
  tenant_id: string;
  url: string;
  /** The event types it receives; empty for every type. */
  event_types: ColumnType<string[], string, string>;
  enabled: Generated<boolean>;
  secret_sealed: Uint8Array;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** One event queued for one webhook (`id` is its outbox message's), and its attempts so far. */
export interface WebhookDeliveryTable {
  sequence: ColumnType<string, never, never>;
  id: string;
  webhook_id: string;
  event_id: string;
  attempts: Generated<number>;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: CreatedAt;
}
