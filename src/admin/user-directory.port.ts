/** A user as the operator's directory lists them. */
export interface DirectoryUser {
  id: string;
  tenantId: string;
  createdAt: Date;
  /** The primary email address, else the first; undefined when none. */
  email: string | undefined;
  /** The first phone number; undefined when none. */
  phone: string | undefined;
  /** The products the user came through, sorted. */
  products: string[];
  locked: boolean;
  /** Where the user stands in newest-first order, for the next page. */
  position: UserPosition;
}

/** Where a page of users starts: after this user in newest-first order. */
export interface UserPosition {
  /** The creation time to the microsecond (RFC 3339 with 6 fraction digits, UTC): a Date keeps milliseconds only. */
  createdAt: string;
  id: string;
}

/** What ListUsers selects. */
export interface UserQuery {
  email?: string;
  phone?: string;
  product?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  after?: UserPosition;
  limit: number;
}

/** A contact of a user. */
export interface DirectoryContact {
  type: "email" | "phone";
  value: string;
  verified: boolean;
  primary: boolean;
}

/** A user's second-factor settings. */
export interface DirectoryFactors {
  codeAllowed: boolean;
  totpAllowed: boolean;
  deviceAllowed: boolean;
  totpEnrolled: boolean;
  passwordSet: boolean;
}

/** The kinds of session the directory knows. */
export type SessionType = "hanko_session" | "hanko_one_time_token" | "authenticator_token";

/** A live session or token of a user. */
export interface DirectorySession {
  type: SessionType;
  id: string;
  product: string;
  state: string;
  createdAt: Date;
  expiresAt: Date;
}

/** The kinds of credential the directory knows. */
export type CredentialType = "webauthn" | "totp";

/** A credential of a user, without key material. */
export interface DirectoryCredential {
  type: CredentialType;
  id: string;
  product: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | undefined;
  aaguid: string;
}

/**
 * What runs in an act's transaction once the act is done (its audit record): a failure rolls the
 * act back. `tx` is the store's transaction handle, passed through without looking inside.
 */
export type InActTransaction = (tx: unknown) => Promise<void>;

/**
 * The identity store as the operator sees it, across tenants and products: declared here, where
 * the admin handlers use it; src/store/admin/ implements it.
 */
export interface UserDirectory {
  /** Users matching the query, newest first (created, then id), at most `limit`. */
  listUsers(query: UserQuery): Promise<DirectoryUser[]>;
  findUser(userId: string): Promise<DirectoryUser | undefined>;
  contacts(userId: string): Promise<DirectoryContact[]>;
  factors(userId: string): Promise<DirectoryFactors>;
  /** Sessions and tokens neither expired at `at`, revoked nor used up, newest first. */
  liveSessions(userId: string, at: Date): Promise<DirectorySession[]>;
  credentials(userId: string): Promise<DirectoryCredential[]>;
  /**
   * Every mutation below runs `then` in its transaction once the act is done (nothing when there
   * was nothing to act on): the act and its audit record commit or fail together.
   */
  /** Deletes the user and everything of theirs in one transaction; false when there is no such user. */
  deleteUser(userId: string, then: InActTransaction): Promise<boolean>;
  /** Locks the user; false when there is no such user. */
  lock(userId: string, reason: string, then: InActTransaction): Promise<boolean>;
  unlock(userId: string, then: InActTransaction): Promise<boolean>;
  /** Revokes one live session of the user; false when there is none such. */
  revokeSession(userId: string, type: SessionType, id: string, at: Date, then: InActTransaction): Promise<boolean>;
  /** Revokes every live session and token of the user in one transaction; how many. */
  revokeAllSessions(userId: string, at: Date, then: (tx: unknown, revoked: number) => Promise<void>): Promise<number>;
  /** The live session or token `id` of `type` at `at` (neither expired, revoked nor used up), with its user, state and whether the user is locked. */
  findLiveSession(type: SessionType, id: string, at: Date): Promise<{ userId: string; state: string; expiresAt: Date; locked: boolean } | undefined>;
  /** Whether the Authentiq key `pk` is registered and not revoked. */
  authentiqKeyActive(pk: string): Promise<boolean>;
  /** Deletes one credential of the user; false when there is none such. */
  deleteCredential(userId: string, type: CredentialType, id: string, then: InActTransaction): Promise<boolean>;
}
