/** How long a message without an expiry is retried. */
export const defaultMessageTtlSeconds = 24 * 3600;

/** A message a product queues itself (codes of the challenge mechanic go through its own store). */
export interface QueuedMessage {
  channel: "email" | "sms" | "push";
  recipient: string;
  subject?: string;
  body: string;
  /** When what the message carries stops being valid; unset: `defaultMessageTtlSeconds`. */
  expiresAt?: Date;
}

/**
 * The outbox of one tenant (implemented in `src/delivery/outbox.store.ts`). `Tx` is the store's
 * transaction: a message queued in the transaction that creates what it carries commits with
 * it, or neither does.
 */
export interface Outbox<Tx> {
  /** Queues `message`, in `tx` when given, else on its own. */
  enqueue(message: QueuedMessage, tx?: Tx): Promise<void>;
}
