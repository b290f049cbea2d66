/** A counter's state after a hit: the hits in its window, this one included, and when the window began. */
export interface LimitCount {
  hits: number;
  windowStartedAt: Date;
}

/** A hit's count, and whether its window's `rate_limit.tripped` event was written already. */
export interface LimitHit extends LimitCount {
  tripped: boolean;
}

/**
 * The store the limit mechanic needs: fixed windows of hits per hashed key, shared by every
 * replica through the database.
 */
export interface LimitStore {
  /**
   * Counts one hit of `key` at `at`, in a new window when the current one began `windowSeconds`
   * or more before `at`, and answers the count. One statement: parallel hits each see their own.
   */
  hit(tenantId: string, key: Uint8Array, at: Date, windowSeconds: number): Promise<LimitHit>;
  /**
   * Marks the window of `key` that began at `windowStartedAt` tripped, and runs `then` (its audit
   * event) in the same transaction, unless it is marked already or has ended (false, `then` not
   * run). A throw from `then` rolls the mark back: the next refused hit tries again.
   */
  trip(tenantId: string, key: Uint8Array, windowStartedAt: Date, at: Date, then: (tx: unknown) => Promise<void>): Promise<boolean>;
  /** Takes back one hit of `key` (an attempt that did not fail). */
  refund(tenantId: string, key: Uint8Array): Promise<void>;
  /** The count of `key` in its window at `at`; undefined when it has none or the window is over. */
  current(tenantId: string, key: Uint8Array, at: Date, windowSeconds: number): Promise<LimitCount | undefined>;
}
