import type { CredentialsInTransaction } from "../../core/webauthn/credential.port.js";

/** Whether an AuthFi user may use their keys. */
export type AuthfiUserState = "activate" | "suspend";

/** An AuthFi user of an access point (tenant): account name, display name and state. */
export interface AuthfiUser {
  userId: string;
  tenantId: string;
  /** The account name (`uId`), unique in the access point. */
  name: string;
  displayName: string;
  state: AuthfiUserState;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Where AuthFi's users are kept, for every access point (implemented in `src/store/authfi/`).
 * `Tx` is the store's transaction (from `RunInTransaction<Tx>`): a method taking it reads, locks
 * or writes in that transaction; one taking none runs on its own, and one taking an optional
 * `tx` does either.
 */
export interface AuthfiUserStore<Tx> extends CredentialsInTransaction<Tx> {
  /** The access point's user with this account name. */
  findByName(tenantId: string, name: string, tx?: Tx): Promise<AuthfiUser | undefined>;
  /** The access point's user with this id. */
  find(tenantId: string, userId: string): Promise<AuthfiUser | undefined>;
  /** The access point's user with this id, locked for the rest of `tx`. */
  lock(tx: Tx, tenantId: string, userId: string): Promise<AuthfiUser | undefined>;
  /** How many users the access point has. */
  count(tenantId: string): Promise<number>;
  /** How many users the access point has, with user creation in it held back for the rest of `tx` (the user cap). */
  countLocked(tx: Tx, tenantId: string): Promise<number>;
  /** Creates a user of the access point with the id its registration chose. */
  insert(tx: Tx, tenantId: string, user: { id: string; name: string; displayName: string }): Promise<AuthfiUser>;
  /** One page of the access point's users, oldest first. */
  list(tenantId: string, offset: number, limit: number): Promise<AuthfiUser[]>;
  /** Sets the user's state; undefined when there is no such user. */
  updateState(tenantId: string, userId: string, state: AuthfiUserState, tx?: Tx): Promise<AuthfiUser | undefined>;
  /** Deletes the user with their keys and challenges. */
  remove(tx: Tx, tenantId: string, userId: string): Promise<void>;
}
