import type { UsedTotpSteps } from "../../core/totp/used-step.port.js";

/** A consumer's TOTP secret (google_auth), sealed by the secret box. */
export interface ConsumerTotpSecret {
  sealedSecret: Uint8Array;
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
  /** The steps already used of the consumers' secrets, claimed in `tx` (a code counts once). */
  usedSteps(tx: Tx): UsedTotpSteps;
  /** Confirms the consumer's temporary secret (a code of it was accepted); true when it was temporary until now. */
  confirm(tx: Tx, consumer: string): Promise<boolean>;
  /** Removes the consumer's secret; true when there was one. */
  remove(tx: Tx, consumer: string): Promise<boolean>;
}
