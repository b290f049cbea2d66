/** A counter's state after a hit: the hits in its window, this one included, and when the window began. */
export interface LimitCount {
  hits: number;
  windowStartedAt: Date;
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
  hit(tenantId: string, key: Uint8Array, at: Date, windowSeconds: number): Promise<LimitCount>;
  /** Takes back one hit of `key` (an attempt that did not fail). */
  refund(tenantId: string, key: Uint8Array): Promise<void>;
  /** The count of `key` in its window at `at`; undefined when it has none or the window is over. */
  current(tenantId: string, key: Uint8Array, at: Date, windowSeconds: number): Promise<LimitCount | undefined>;
}
