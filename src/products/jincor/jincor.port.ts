/** A consumer's TOTP secret (google_auth), sealed by the secret box. */
export interface ConsumerTotpSecret {
  sealedSecret: Uint8Array;
  /** The last time step a code was accepted for: a code counts once. */
  lastUsedStep: number | null;
}

/**
 * Where Jincor VERIFY keeps its consumers' TOTP secrets, for one tenant (implemented in
 * `src/store/jincor/`). `Tx` is the store's transaction, the one the verification is written or
 * answered in: the secret changes with it or not at all.
 */
export interface ConsumerTotpStore<Tx> {
  /**
   * Offers a new temporary secret unless the consumer has a confirmed one: true when the new
   * secret was stored (and must be shown), false when the confirmed one stays.
   */
  offer(tx: Tx, consumer: string, sealedSecret: Uint8Array): Promise<boolean>;
  /** The consumer's secret, locked for the rest of `tx`. */
  lock(tx: Tx, consumer: string): Promise<ConsumerTotpSecret | undefined>;
  /** Records an accepted step and confirms the secret. */
  useStep(tx: Tx, consumer: string, step: number): Promise<void>;
  /** Removes the consumer's secret. */
  remove(tx: Tx, consumer: string): Promise<void>;
}
