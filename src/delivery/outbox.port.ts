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
 * The outbox of one tenant (implemented in `src/store/outbox/outbox.store.ts`). `Tx` is the store's
 * transaction: a message queued in the transaction that creates what it carries commits with
 * it, or neither does.
 */
export interface Outbox<Tx> {
  /** Queues `message`, in `tx` when given, else on its own. */
  enqueue(message: QueuedMessage, tx?: Tx): Promise<void>;
}

/** A delivery channel of the outbox: `webhook` carries audit events to the operator's endpoints. */
export type Channel = "email" | "sms" | "push" | "webhook";

/** A queued message as the worker claims it and a sender sends it. */
export interface PendingMessage {
  readonly id: string;
  readonly channel: Channel;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
  /** Attempts so far, this one included. */
  readonly attempts: number;
}

/**
 * The queue the outbox worker drains (implemented in `src/store/outbox/outbox.store.ts`): claims
 * with a lease, so that replicas share the work and a dead one's messages return to the queue.
 */
export interface OutboxQueue {
  /**
   * Claims up to `limit` due messages of `channel` for `leaseSeconds` and counts the attempt;
   * `takeOver` false takes only unclaimed messages, never another worker's lapsed claim.
   */
  claimDue(channel: Channel, limit: number, leaseSeconds: number, ttlSeconds: number, takeOver: boolean): Promise<PendingMessage[]>;
  /** Extends the lease of messages still being sent. */
  renewLease(ids: readonly string[], leaseSeconds: number): Promise<void>;
  /** Marks a message sent and forgets its body. */
  markSent(id: string): Promise<void>;
  /** Schedules another attempt after `delaySeconds` and releases the claim. */
  markFailed(id: string, error: string, delaySeconds: number): Promise<void>;
  /** Hands claimed messages back to the queue, due at once, the attempt not counted. */
  releaseClaims(ids: readonly string[]): Promise<void>;
  /** Dead-letters every pending message past its expiry that no worker holds; the channel of each. */
  deadLetterExpired(ttlSeconds: number): Promise<Channel[]>;
}
