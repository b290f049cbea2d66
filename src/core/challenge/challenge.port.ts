/** A stored challenge: never its secret, only the HMAC of it. */
export interface StoredChallenge {
  id: string;
  purpose: string;
  /** A keyed hash of whom it was issued to, when its purpose looks challenges up that way. */
  subject: Uint8Array | null;
  /** HMAC of the secret; null for a challenge answered another way (e.g. TOTP). */
  secretHash: Uint8Array | null;
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
  expiresAt: Date;
  closedAt: Date | null;
  /** The user it belongs to, when there is one: it goes when the user goes. */
  userId: string | null;
  /** The product's data (whose address, which key, the caller's payload). */
  data: Record<string, unknown>;
}

/** A message that carries a secret, written in the transaction that stores it. */
export interface ChallengeMessage {
  channel: "email" | "sms";
  recipient: string;
  subject?: string;
  body: string;
  /** Until when the message is worth delivering (the secret it carries stops answering then). */
  expiresAt?: Date;
}

/** One challenge of the store's tenant: ids are chosen per purpose (and tenant), never across them. */
export interface ChallengeKey {
  purpose: string;
  id: string;
}

/** Which challenge an answer is for: by id, or the latest open one of a subject. */
export type ChallengeLookup = ChallengeKey | { purpose: string; subject: Uint8Array };

/**
 * The store the challenge mechanic needs. `Tx` is the store's transaction, handed through to the
 * product's own work so that it commits with the challenge's (or neither does).
 */
export interface ChallengeStore<Tx> {
  /**
   * Stores a challenge and queues `message` in one transaction. With `replaceOpen`, the
   * subject's open challenges of the purpose are closed first; with a taken id (an open,
   * unexpired challenge), nothing is written and undefined answered. `alongside` runs in the
   * same transaction once the challenge is stored.
   */
  insert(
    challenge: Omit<StoredChallenge, "attempts" | "closedAt" | "createdAt">,
    options: { message?: ChallengeMessage; replaceOpen?: boolean; alongside?: (tx: Tx) => Promise<void>; at: Date },
  ): Promise<StoredChallenge | undefined>;
  /** Runs `work` in a transaction with the looked-up challenge locked (undefined when none). */
  withLocked<T>(lookup: ChallengeLookup, work: (tx: Tx, challenge: StoredChallenge | undefined) => Promise<T>): Promise<T>;
  /** Counts a wrong answer in one statement, closing the challenge at `at` once it reaches `maxAttempts`; answers the count. */
  countWrong(tx: Tx, key: ChallengeKey, at: Date): Promise<number>;
  /** Closes the challenge at `at` (answered, replaced, deleted). */
  close(tx: Tx, key: ChallengeKey, at: Date): Promise<void>;
  /** The challenge, open and unexpired at `openAt` when given, in whatever state otherwise. */
  find(lookup: ChallengeLookup, openAt: Date | undefined): Promise<StoredChallenge | undefined>;
  /** Closes the open, unexpired challenge at `at`; false when there was none. */
  closeOpen(lookup: ChallengeLookup, at: Date): Promise<boolean>;
}
