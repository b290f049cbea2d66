import type { TransferAuthfiUser, TransferEmail, TransferPhone } from "./transfer-user.js";
import type { UniqueClaim } from "./unique-claims.js";

/** A linked provider identity ready to store; `email` is one of the user's addresses or null. */
export interface IdentityToStore {
  provider: string;
  providerUserId: string;
  email: string | null;
  data: Record<string, unknown>;
  createdAt: Date | undefined;
  updatedAt: Date | undefined;
}

/** A user ready to store: its tenant resolved, binaries decoded, a TOTP secret sealed with the server's key. */
export interface UserToStore {
  id: string;
  tenantId: string;
  createdAt: Date | undefined;
  updatedAt: Date | undefined;
  emails: TransferEmail[];
  phones: TransferPhone[];
  passwordHash: string | null;
  credentials: CredentialToStore[];
  factors: { isCodeAllowed: boolean; isTotpAllowed: boolean; isDeviceAllowed: boolean; sealedTotpSecret: Uint8Array | null; totpLastUsedStep: number | null } | null;
  authfi: TransferAuthfiUser | null;
  locked: { at: Date; reason: string | null } | null;
  createdThrough: string | null;
  username: string | null;
  identities: IdentityToStore[];
}

/** A WebAuthn credential ready to store. */
export interface CredentialToStore {
  product: string;
  credentialId: Uint8Array;
  publicKey: Uint8Array;
  signCount: number;
  transports: string[];
  aaguid: string | null;
  backupEligible: boolean;
  backedUp: boolean;
  userHandle: Uint8Array | null;
  name: string | null;
  createdAt: Date | undefined;
  lastUsedAt: Date | null;
}

/** A stored user as the exporter reads it, sealed TOTP secret included (opened by the exporter only when asked). */
export interface StoredUser extends Omit<UserToStore, "createdAt" | "updatedAt" | "credentials" | "identities"> {
  tenant: string;
  createdAt: Date;
  updatedAt: Date;
  credentials: (CredentialToStore & { createdAt: Date })[];
  identities: (IdentityToStore & { createdAt: Date; updatedAt: Date })[];
}

/** Where imports write and exports read; `Tx` is the store's transaction, handed to what writes with a batch. */
export interface TransferStore<Tx = unknown> {
  /** The ids of the tenants with these slugs (those that exist). */
  tenantIds(slugs: string[]): Promise<Map<string, string>>;
  /** Of these user ids, those that exist, with their tenant id. */
  existingUsers(ids: string[]): Promise<Map<string, string>>;
  /**
   * Stores the users in one transaction (multi-row inserts), and runs `also` in it (their audit
   * events); throws and stores none when one of them cannot be.
   */
  insertUsers(users: UserToStore[], also?: (tx: Tx) => Promise<void>): Promise<void>;
  /** Of these claims (`UniqueClaim.key`s by constraint), those another user already holds: what a dry run predicts. */
  claimed(claims: UniqueClaim[]): Promise<Set<string>>;
  /** One page of users ordered by id, after `afterId` (keyset paging), with everything they have. */
  usersAfter(afterId: string | undefined, limit: number): Promise<StoredUser[]>;
}
