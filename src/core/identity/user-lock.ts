import { DomainError } from "../errors/domain-error.js";

/**
 * Whether an operator locked a user (tessera.admin.v1 LockUser). Declared here, where the
 * session mechanic and the WebAuthn ceremony ask it; the store answers from `users.locked_at`.
 */
export interface UserLocks<Tx = never> {
  /**
   * True when `userId` names a locked user; false for any other id (unknown users too). With
   * `tx`, read in that transaction (a caller inside one must pass it: the embedded database has
   * one connection).
   */
  isLocked(userId: string, tx?: Tx): Promise<boolean>;
}

/** The refusal of a locked user: USER_LOCKED (forbidden), which every dialect renders as its own. */
export function userLocked(): DomainError {
  return new DomainError("USER_LOCKED", "forbidden", "this account is locked");
}

/**
 * Throws USER_LOCKED when `userId` is locked. The one check: the issued-token mechanic (every
 * session and token of every product, at issue and at each use) and the WebAuthn ceremony (every
 * passkey login, at its start and its end) call it, so no product repeats it.
 */
export async function refuseLocked<Tx>(locks: UserLocks<Tx> | undefined, userId: string, tx?: Tx): Promise<void> {
  if (locks !== undefined && (await locks.isLocked(userId, tx))) throw userLocked();
}
