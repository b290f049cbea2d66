/** A token's row as the issued-token mechanic stores it: what makes a signed token revocable. */
export interface LiveToken<Extra> {
  /** The token's `jti`. */
  tokenId: string;
  /** The token's `sub`: whom it was issued to. */
  subject: string;
  /** SHA-256 of what the token is bound to (a client id), when the policy binds tokens. */
  bindingHash: Uint8Array | null;
  /** The product's own columns (e.g. the Authenticator's token state). */
  extra: Extra;
}

/** A row to write: a live token and when it stops being one. */
export interface NewToken<Extra> extends LiveToken<Extra> {
  expiresAt: Date;
}

/**
 * What the issued-token mechanic needs stored, for one tenant. `Tx` is the store's transaction:
 * a row written with one commits with the caller's other writes (or neither does).
 */
export interface TokenStore<Extra, Tx = never> {
  insert(token: NewToken<Extra>, tx?: Tx): Promise<void>;
  /** The token `tokenId` when it is neither revoked nor expired (nor otherwise spent) at `at`. */
  findLive(tokenId: string, at: Date): Promise<LiveToken<Extra> | undefined>;
  /** Revokes the token `tokenId` (only if it is `subject`'s, when given), in `tx` when given; false when there is no such token. */
  revoke(tokenId: string, subject?: string, tx?: Tx): Promise<boolean>;
}
