import type { InSameTransaction } from "../transaction.port.js";
/** One of a user's email addresses. */
export interface EmailAddress {
  id: string;
  userId: string;
  address: string;
  verified: boolean;
  primary: boolean;
}

/** A user found by one of their email addresses. */
export interface UserByEmail {
  userId: string;
  emailId: string;
  verified: boolean;
  hasWebauthnCredential: boolean;
}

/** A user with their primary address and the ids of their WebAuthn credentials. */
export interface UserDetails {
  id: string;
  email: string;
  createdAt: Date;
  updatedAt: Date;
  credentialIds: Uint8Array[];
}

/**
 * Users and their contacts (email addresses, phone numbers) in one tenant (implemented in `src/store/identity/`), shared by
 * the products that keep their users there. `Tx` is the store's transaction (from
 * `RunInTransaction<Tx>`): a method taking it writes in that transaction; the others run on
 * their own. `credentialProducts` names the products whose WebAuthn credentials a read may see.
 */
export interface IdentityStore<Tx> {
  /**
   * Creates a user holding one primary, unverified address, created through `product`, and runs
   * `then` in that transaction; undefined, with nothing written, when the address is taken.
   */
  insertUserWithEmail(address: string, product: string, then: (tx: Tx, created: { userId: string; emailId: string }) => Promise<void>): Promise<{ userId: string; emailId: string } | undefined>;
  /** The user holding `address`; `hasWebauthnCredential` counts the credentials of `credentialProducts`. */
  findUserByEmail(address: string, credentialProducts: readonly string[]): Promise<UserByEmail | undefined>;
  /** The id of the user holding the phone number (normalised, E.164). */
  findUserIdByPhone(number: string): Promise<string | undefined>;
  /** The user's primary email address, else their first phone number; undefined for a user with neither. */
  findContactAddress(userId: string): Promise<string | undefined>;
  /** The user's details with the ids of their credentials of `credentialProducts`. */
  findUserDetails(userId: string, credentialProducts: readonly string[]): Promise<UserDetails | undefined>;
  /** True when the user exists. */
  userExists(userId: string): Promise<boolean>;
  /** Deletes the user, running `then` in the same transaction; sessions, emails, credentials, passwords and codes go with it. False (and `then` not run) when there was none. */
  deleteUser(userId: string, then: InSameTransaction<Tx>): Promise<boolean>;
  /** The user's addresses, primary first. */
  listEmails(userId: string): Promise<EmailAddress[]>;
  /** One of the user's addresses. */
  findEmail(userId: string, emailId: string): Promise<EmailAddress | undefined>;
  /** The user's primary address. */
  findPrimaryEmail(userId: string): Promise<EmailAddress | undefined>;
  /** Adds an unverified, non-primary address; undefined when the tenant already has it. */
  insertEmail(userId: string, address: string): Promise<EmailAddress | undefined>;
  /** Makes `emailId` the user's only primary address. */
  setPrimaryEmail(userId: string, emailId: string): Promise<void>;
  /** Deletes an address unless it is the user's primary one; false when nothing was deleted. */
  deleteNonPrimaryEmail(userId: string, emailId: string): Promise<boolean>;
  /** Marks an address verified, in the transaction that used up the code sent to it. */
  markEmailVerified(tx: Tx, emailId: string): Promise<void>;
}
