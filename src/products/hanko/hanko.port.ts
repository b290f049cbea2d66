/**
 * The stores Hanko's services need beyond the shared ones (users and emails: `IdentityStore`
 * in `src/core/identity/identity.port.ts`), each for one tenant; implemented in `src/store/`.
 */

/** Users' password hashes (argon2id); read and checked by the core `PasswordCheck`. */
export interface PasswordStore {
  /**
   * Creates or replaces the user's password hash and runs `then` (its audit record, told whether
   * the hash was created) in the same transaction; true when it was created.
   */
  savePasswordHash(userId: string, hash: string, then: (tx: unknown, created: boolean) => Promise<void>): Promise<boolean>;
  /** The id of the user whose username (lower-cased) is `username`, if any. */
  findUserIdByUsername(username: string): Promise<string | undefined>;
}
