/** What one-time login tokens need stored: only each token's HMAC, with its user and expiry. */
export interface OneTimeTokenStore {
  insert(token: { userId: string; valueHash: Buffer; expiresAt: Date }): Promise<void>;
  /**
   * Marks the token with `valueHash` used at `at`, in one statement, and gives its user;
   * undefined when it is unknown, used or expired at `at`.
   */
  consume(valueHash: Buffer, at: Date): Promise<string | undefined>;
  /** The user and expiry of the token with `valueHash` when it is neither used nor expired at `at`; it stays unused. */
  findLive(valueHash: Buffer, at: Date): Promise<{ userId: string; expiresAt: Date } | undefined>;
}
