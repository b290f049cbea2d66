/** A user a registration will create once its credential is registered (AuthFi's new accounts). */
export interface PendingUser {
  id: string;
  name: string;
  displayName: string;
}

/** The two WebAuthn ceremonies (WebAuthn level 3 §7.1, §7.2). */
export type Ceremony = "registration" | "login";

/** `userVerification` (WebAuthn level 3 §5.8.6). */
export type UserVerification = "required" | "preferred" | "discouraged";

/** A challenge as issued: for whom (null for a discoverable login or a new account) and what it asked for. */
export interface IssuedChallenge {
  userId: string | null;
  userVerification: UserVerification | null;
  pendingUser: PendingUser | null;
}

/** A challenge to store: bound to its tenant, its user, and the product and step (`purpose`) that issued it. */
export interface NewChallenge {
  tenantId: string;
  userId: string | null;
  ceremony: Ceremony;
  /** Who issued it for what, e.g. `hanko:login`: only the same purpose can use it. */
  purpose: string;
  challenge: string;
  expiresAt: Date;
  userVerification: UserVerification;
  pendingUser?: PendingUser | undefined;
}

/** What using up a challenge gave. */
export type ConsumedChallenge = { issued: IssuedChallenge } | { refused: "expired" | "unknown" };

/** The challenge store the WebAuthn ceremony needs (implemented in `src/store/webauthn/`). */
export interface ChallengeStore {
  insert(challenge: NewChallenge): Promise<void>;
  /**
   * Uses up a challenge of this tenant, ceremony and purpose, unused, in one statement (single
   * use under concurrency): `expired` when it had outlived its time at `now` (it is used up
   * all the same), `unknown` when there was no such unused challenge.
   */
  consume(tenantId: string, ceremony: Ceremony, purpose: string, challenge: string, now: Date): Promise<ConsumedChallenge>;
}
