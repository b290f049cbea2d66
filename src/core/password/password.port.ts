/** Users' password hashes, as the password check reads and upgrades them, for one tenant; implemented in `src/store/`. */
export interface PasswordHashStore {
  /** The user's password hash, if the user exists and has one. */
  findPasswordHash(userId: string): Promise<string | undefined>;
  /**
   * Replaces the user's hash by `next` when it is still `previous`, in one statement: a password
   * changed since `previous` was read is not overwritten by the upgrade of the old one. True when replaced.
   */
  replacePasswordHash(userId: string, previous: string, next: string): Promise<boolean>;
  /** How many users have each hash scheme (the hash up to its salt), the most common first, at most 16. */
  countHashSchemes(): Promise<HashScheme[]>;
}

/** A hash scheme, `2b$10` or `argon2id$v=19$m=19456,t=2,p=1` (the stored text up to its salt, no leading `$`), and how many users have it. */
export interface HashScheme {
  scheme: string;
  users: number;
}
