import type { InActTransaction } from "./user-directory.port.js";

/** An Authentiq key as the operator sees it, without its secrets. */
export interface DirectoryAuthentiqKey {
  pk: string;
  createdAt: Date;
  revokedAt: Date | undefined;
  contactBound: boolean;
  pushRegistered: boolean;
  /** Where the key stands in newest-first order, for the next page. */
  position: AuthentiqKeyPosition;
}

/** Where a page of keys starts: after this key in newest-first order. */
export interface AuthentiqKeyPosition {
  /** The registration time to the microsecond (RFC 3339 with 6 fraction digits, UTC). */
  createdAt: string;
  pk: string;
}

/**
 * The Authentiq keys of the tenant Authentiq serves, as the operator sees them: declared here,
 * where the admin handlers use it; src/store/admin/ implements it. A key belongs to no user.
 */
export interface AuthentiqKeyDirectory {
  /** Keys newest first (registered, then pk), at most `limit`; revoked ones only with `includeRevoked`. */
  list(query: { includeRevoked: boolean; after: AuthentiqKeyPosition | undefined; limit: number }): Promise<DirectoryAuthentiqKey[]>;
  /** Revokes the live key `pk` and runs `then` (its audit record) in the same transaction; false, `then` not run, when no live key has it. */
  revoke(pk: string, then: InActTransaction): Promise<boolean>;
}
