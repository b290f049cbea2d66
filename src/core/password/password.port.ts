/** Users' password hashes, as the password check reads and upgrades them, for one tenant; implemented in `src/store/`. */
export interface PasswordHashStore {
  /** The user's password hash, if the user exists and has one. */
  findPasswordHash(userId: string): Promise<string | undefined>;
  /**
   * Replaces the user's hash by `next` when it is still `previous`, in one statement: a password
   * changed since `previous` was read is not overwritten by the upgrade of the old one. True when replaced.
   */
  replacePasswordHash(userId: string, previous: string, next: string): Promise<boolean>;
}
