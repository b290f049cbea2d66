/**
 * One user as Tessera moves it in and out: every format's reader produces it, the importer stores
 * it, the exporter writes it (one JSON line of Tessera's own format is this, member for member).
 * Binary members are base64url; times ISO 8601.
 */
export interface TransferUser {
  /** Tessera's user id (UUID): the source's where it was one, else derived from it (see `sourceId`). */
  id: string;
  /** The source system's id when it was not a UUID (written to the mapping), else absent. */
  sourceId?: string;
  /** The tenant's slug: `default`, or an AuthFi access point. */
  tenant: string;
  createdAt?: string;
  updatedAt?: string;
  emails: TransferEmail[];
  phones: TransferPhone[];
  /** A password hash (PHC string or a format the hash parser accepts), or null. */
  passwordHash: string | null;
  webauthn: TransferCredential[];
  /** The Authenticator API's second-factor settings, when the user has them. */
  factors: TransferFactors | null;
  /** The user's AuthFi record, when the tenant is an access point. */
  authfi: TransferAuthfiUser | null;
  /** The operator's lock: a locked user logs in nowhere (absent: not locked). */
  locked?: TransferLock | null;
  /** The product the user was created through (`hanko`, `authenticator`, `authfi`); absent or null: unknown. */
  createdThrough?: string | null;
  /** The user's username (lower-cased), Hanko's password login takes it in place of the id (absent: none). */
  username?: string | null;
  /** Provider identities (OAuth `sub`, SAML NameID) linked to the user (absent: none). */
  identities?: TransferIdentity[];
}

/** An operator's lock on a user. */
export interface TransferLock {
  /** When the user was locked. */
  at: string;
  /** The operator's note, or null. */
  reason: string | null;
}

/** A provider identity linked to a user: the provider's name and its subject for the user. */
export interface TransferIdentity {
  provider: string;
  providerUserId: string;
  /** The user's email address the identity was linked through, when there is one. */
  email: string | null;
  /** The provider's claims, as it last gave them. */
  data: Record<string, unknown>;
  createdAt?: string;
  updatedAt?: string;
}

/** An email address of a user. */
export interface TransferEmail {
  address: string;
  verified: boolean;
  primary: boolean;
}

/** A phone number (`+` and digits) of a user. */
export interface TransferPhone {
  number: string;
  verified: boolean;
}

/** The public parts of a WebAuthn credential (WebAuthn level 3 §4, "Credential Record"). */
export interface TransferCredential {
  /** base64url. */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  signCount: number;
  transports: string[];
  aaguid: string | null;
  backupEligible: boolean;
  backedUp: boolean;
  /** The user handle the authenticator holds (base64url) when it is not the user's UUID. */
  userHandle: string | null;
  name: string | null;
  /** The product whose ceremonies use it: `hanko`, `authenticator` or `authfi`. */
  product: "hanko" | "authenticator" | "authfi";
  createdAt?: string;
  lastUsedAt?: string | null;
}

/** The Authenticator API's factor settings. */
export interface TransferFactors {
  isCodeAllowed: boolean;
  isTotpAllowed: boolean;
  isDeviceAllowed: boolean;
  /** The confirmed TOTP secret: clear base32 from a source system, or sealed under an operator's key in an export. */
  totp: { secret: string } | { sealed: string } | null;
  /** The last TOTP time step a code was accepted for: a code of that step or older never logs in again (absent: none). */
  lastUsedStep?: number | null;
}

/** An AuthFi user's record in its access point. */
export interface TransferAuthfiUser {
  name: string;
  displayName: string;
  state: "activate" | "suspend";
}

/** What a reader makes of one record: a user, or why it is refused. */
export type ReadOutcome = { ok: true; user: TransferUser } | { ok: false; reason: string };
