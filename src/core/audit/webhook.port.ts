import type { AuditEventType } from "./audit-event.js";

/** A webhook endpoint as an admin sees it (never its secret, except once when created). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  /** The event types it receives; empty for every type. */
  eventTypes: AuditEventType[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What an update changes; absent members stay. */
export interface WebhookChanges {
  url?: string;
  eventTypes?: AuditEventType[];
  enabled?: boolean;
  /** A new signing secret (`whsec_…`), sealed by the store. */
  secret?: string;
}

/** One event queued for one endpoint and what came of its attempts so far. */
export interface WebhookDelivery {
  /** The `webhook-id` the receiver sees, the same on every retry. */
  id: string;
  /** Its place in the log: larger is later; cursors read it. */
  sequence: bigint;
  webhookId: string;
  eventId: string;
  /** `failed` once the outbox gave up on it (dead-lettered or expired). */
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/**
 * Runs in the transaction of a webhook change, once the change is made (its audit record): a
 * throw rolls the change back, so an endpoint is never added, changed or removed unrecorded.
 */
export type InWebhookChange = (tx: unknown, webhookId: string) => Promise<void>;

/** The store webhook management needs; secrets are sealed under the server key at rest. */
export interface WebhookStore {
  create(endpoint: { url: string; eventTypes: AuditEventType[]; enabled: boolean; secret: string }, then: InWebhookChange): Promise<WebhookEndpoint>;
  list(): Promise<WebhookEndpoint[]>;
  find(id: string): Promise<WebhookEndpoint | undefined>;
  /** Applies `changes`; undefined when there is no such endpoint (`then` not run). */
  update(id: string, changes: WebhookChanges, then: InWebhookChange): Promise<WebhookEndpoint | undefined>;
  /** Deletes the endpoint, its log and its queued events; false when there was none (`then` not run). */
  delete(id: string, then: InWebhookChange): Promise<boolean>;
  /** The deliveries of one endpoint, newest first, older than the `before` sequence when given. */
  deliveries(webhookId: string, limit: number, before?: bigint): Promise<WebhookDelivery[]>;
}
