/** A webhook endpoint as the sender needs it: where, and the secret it signs with (`whsec_…`). */
export interface WebhookTarget {
  url: string;
  secret: string;
  enabled: boolean;
}

/** One delivery attempt, for the delivery log an admin lists. */
export interface WebhookAttempt {
  /** The delivery (its outbox message). */
  deliveryId: string;
  /** The receiver's HTTP status; null when it never answered. */
  statusCode: number | null;
  error: string | null;
  delivered: boolean;
}

/** What the webhook sender reads and writes (implemented in `src/store/audit/webhook.store.ts`). */
export interface WebhookDirectory {
  /** The endpoint by id, its secret unsealed; undefined when it was deleted. */
  findTarget(id: string): Promise<WebhookTarget | undefined>;
  /** Counts an attempt in the delivery's log row. */
  logAttempt(attempt: WebhookAttempt): Promise<void>;
}
