import type { ColumnType, Generated } from "kysely";

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

/** The id of the tenant that serves Hanko, the Authenticator API, Authentiq and Jincor. */
export const defaultTenantId = "00000000-0000-0000-0000-000000000000";

/** Tenants: the default one, and one per AuthFi access point. */
export interface TenantTable {
  id: Generated<string>;
  slug: string;
  state: "active" | "trial" | "suspended";
  user_cap: number | null;
  created_at: CreatedAt;
}

/** API keys of a tenant, stored as HMAC-SHA-256. */
export interface TenantApiKeyTable {
  id: Generated<string>;
  tenant_id: string;
  key_hash: Uint8Array;
  created_at: CreatedAt;
  revoked_at: Date | null;
}

/** People, one row whichever API they came through. */
export interface UserTable {
  id: Generated<string>;
  tenant_id: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** Email addresses, lower-cased, unique per tenant; one primary per user. */
export interface EmailTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  address: string;
  verified: boolean;
  is_primary: boolean;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** WebAuthn credentials (passkeys, security keys) of a user. */
export interface WebauthnCredentialTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  credential_id: Uint8Array;
  public_key: Uint8Array;
  sign_count: ColumnType<string | number, number, number>;
  transports: string[];
  aaguid: string | null;
  backed_up: boolean;
  name: string | null;
  created_at: CreatedAt;
  last_used_at: Date | null;
  /** When the name or the sign count last changed. */
  updated_at: Timestamp;
}

/** Token-signing keys; the private part AES-256-GCM encrypted under the server key. */
export interface SigningKeyTable {
  kid: string;
  tenant_id: string;
  alg: "RS256" | "EdDSA";
  public_jwk: ColumnType<Record<string, string>, string, string>;
  private_key: Uint8Array;
  created_at: CreatedAt;
  retired_at: Date | null;
}

/** Messages to deliver, written in the transaction that creates what they carry. */
export interface OutboxTable {
  id: Generated<string>;
  tenant_id: string;
  channel: "email" | "sms" | "push";
  recipient: string;
  subject: string;
  body: string;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  claimed_until: Date | null;
  sent_at: Date | null;
  failed_at: Date | null;
  last_error: string | null;
  created_at: CreatedAt;
}

/** Sessions: the `jti` of a session token; revoked at logout. */
export interface SessionTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  revoked_at: Date | null;
}

/** Hanko passcodes: the code as HMAC, attempts counted, single use. */
export interface PasscodeTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  email_id: string;
  code_hash: Uint8Array;
  attempts: Generated<number>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Date | null;
}

/** Password hashes (argon2id), one per user. */
export interface PasswordTable {
  user_id: string;
  tenant_id: string;
  hash: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** WebAuthn challenges handed out and not yet used. */
export interface WebauthnChallengeTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string | null;
  ceremony: "registration" | "login";
  challenge: string;
  /** The `userVerification` the ceremony asked for; null when left to the authenticator. */
  user_verification: ColumnType<string | null, string | null | undefined, string | null>;
  /** A registration's user still to be created (AuthFi): `{id, name, displayName}` as JSON text. */
  pending_user: ColumnType<PendingUser | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Date | null;
}

/** A user a registration will create once its key is registered. */
export interface PendingUser {
  id: string;
  name: string;
  displayName: string;
}

/** One-time tokens exchanged for a session (`POST /token`), as HMAC. */
export interface OneTimeTokenTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  value_hash: Uint8Array;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Date | null;
}

/** Every table, for `Kysely<Schema>`. */
export interface Schema {
  tenants: TenantTable;
  tenant_api_keys: TenantApiKeyTable;
  users: UserTable;
  emails: EmailTable;
  webauthn_credentials: WebauthnCredentialTable;
  signing_keys: SigningKeyTable;
  outbox: OutboxTable;
  sessions: SessionTable;
  passcodes: PasscodeTable;
  passwords: PasswordTable;
  webauthn_challenges: WebauthnChallengeTable;
  one_time_tokens: OneTimeTokenTable;
  verifications: VerificationTable;
  verify_totp_secrets: VerifyTotpSecretTable;
  authentiq_keys: AuthentiqKeyTable;
  authentiq_revocations: AuthentiqRevocationTable;
  authentiq_scope_jobs: AuthentiqScopeJobTable;
  authfi_users: AuthfiUserTable;
  phone_numbers: PhoneNumberTable;
  authenticator_tokens: AuthenticatorTokenTable;
  authenticator_signups: AuthenticatorSignupTable;
  authenticator_settings: AuthenticatorSettingsTable;
  authenticator_attempts: AuthenticatorAttemptTable;
  thirdparty_states: ThirdPartyStateTable;
  saml_requests: SamlRequestTable;
  saml_assertions: SamlAssertionTable;
  identities: IdentityTable;
}

/** Jincor verifications: the code as HMAC (none for google_auth), attempts counted, single use. */
export interface VerificationTable {
  id: string;
  tenant_id: string;
  method: "email" | "phone" | "google_auth";
  consumer: string;
  code_hash: Uint8Array | null;
  /** The caller's JSON object; written as JSON text. */
  payload: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  attempts: Generated<number>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  /** Set when consumed, killed by wrong codes or deleted. */
  closed_at: Date | null;
}

/** A Jincor consumer's TOTP secret, sealed; temporary until `confirmed_at`. */
export interface VerifyTotpSecretTable {
  tenant_id: string;
  consumer: string;
  secret: Uint8Array;
  confirmed_at: Date | null;
  /** The last RFC 6238 time step accepted, so a code is never accepted twice. */
  last_used_step: number | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/**
 * An Authentiq key: `pk` is the 43-char base64url Ed25519 public key; the revocation secret,
 * and the bound email and phone, as HMAC only.
 */
export interface AuthentiqKeyTable {
  tenant_id: string;
  pk: string;
  devtoken: string | null;
  secret_hash: Uint8Array;
  email_hash: Uint8Array | null;
  phone_hash: Uint8Array | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  revoked_at: Date | null;
}

/** A request to revoke a key by email and phone: the emailed code as HMAC, attempts counted. */
export interface AuthentiqRevocationTable {
  id: string;
  tenant_id: string;
  /** HMAC of the email and phone pair. */
  contact_hash: Uint8Array;
  /** The key the pair was bound to when asked; null when none was (no code was sent). */
  pk: string | null;
  code_hash: Uint8Array;
  attempts: Generated<number>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  closed_at: Date | null;
}

/** An Authentiq scope verification job, found by the HMAC of its 20-char id. */
export interface AuthentiqScopeJobTable {
  job_hash: Uint8Array;
  tenant_id: string;
  pk: string;
  test: Generated<boolean>;
  /** HMAC of the email, phone or key the job is rate-limited by. */
  address_hash: Uint8Array;
  /** The requested claims, JSON text. */
  claims: string;
  status: "waiting" | "confirmed" | "ready";
  jwt: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  deleted_at: Date | null;
}

/** An AuthFi user of an access point (tenant): account name, display name and state. */
export interface AuthfiUserTable {
  user_id: string;
  tenant_id: string;
  name: string;
  display_name: string;
  state: ColumnType<"activate" | "suspend", "activate" | "suspend" | undefined, "activate" | "suspend">;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** Phone numbers (`+` and digits), unique per tenant: a contact beside emails. */
export interface PhoneNumberTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  number: string;
  verified: boolean;
  created_at: CreatedAt;
}

/**
 * An Authenticator API token (its `jti` is the id): the pending code as HMAC, wrong attempts
 * counted; `used_at` when a code or device moved it on, `revoked_at` when revoked.
 */
export interface AuthenticatorTokenTable {
  id: string;
  tenant_id: string;
  user_id: string;
  state: "unverified" | "identified" | "authorized";
  /** SHA-256 of the `CLIENTID` the token is bound to. */
  client_hash: Uint8Array;
  code_hash: Uint8Array | null;
  code_expires_at: Date | null;
  attempts: Generated<number>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Date | null;
  revoked_at: Date | null;
}

/** A sign-up waiting for its code: the contact and the password hash (argon2id), if any. */
export interface AuthenticatorSignupTable {
  token_id: string;
  tenant_id: string;
  channel: "email" | "phone";
  contact: string;
  password_hash: string | null;
  created_at: CreatedAt;
}

/** A user's second factors; the TOTP secret sealed, confirmed once `is_totp_allowed` (an offer until then). */
export interface AuthenticatorSettingsTable {
  user_id: string;
  tenant_id: string;
  is_code_allowed: boolean;
  is_totp_allowed: boolean;
  is_device_allowed: boolean;
  totp_secret: Uint8Array | null;
  totp_last_used_step: number | null;
  /** While TOTP is not confirmed: when the offered secret stops being confirmable. */
  totp_offer_expires_at: Date | null;
  /** Wrong codes sent to confirm the offered secret; the fifth voids it. */
  totp_offer_attempts: Generated<number>;
  updated_at: Timestamp;
}

/**
 * Failed Authenticator API attempts of one subject (a keyed hash of a contact or a user id)
 * in the window that started at `window_started_at`.
 */
export interface AuthenticatorAttemptTable {
  tenant_id: string;
  subject: Uint8Array;
  failures: Generated<number>;
  window_started_at: Generated<Date>;
}

/** Third-party and SAML login states: the state as HMAC, the PKCE verifier sealed, single use. */
export interface ThirdPartyStateTable {
  id: Generated<string>;
  tenant_id: string;
  state_hash: Uint8Array;
  protocol: "oauth" | "saml";
  /** The OAuth provider's name, or the SAML domain. */
  provider: string;
  redirect_to: string;
  /** The PKCE code verifier, AES-256-GCM sealed; null for SAML. */
  code_verifier: Uint8Array | null;
  /** The OpenID Connect nonce; null for plain OAuth and SAML. */
  nonce: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Date | null;
}

/** SAML AuthnRequest ids awaiting a response (checked against InResponseTo, then deleted). */
export interface SamlRequestTable {
  tenant_id: string;
  request_id: string;
  issued_at: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

/** Ids of SAML assertions already accepted: the same assertion never logs in twice. */
export interface SamlAssertionTable {
  tenant_id: string;
  assertion_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

/** Provider identities (OAuth `sub`, SAML NameID) linked to users. */
export interface IdentityTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  provider: string;
  provider_user_id: string;
  email_id: string | null;
  /** The provider's claims; written as JSON text. */
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}
