import type { Generated } from "kysely";
import type { CreatedAt, Timestamp } from "./column-types.js";

// The "Authenticator API": tokens, pending sign-ups, second-factor settings and attempt windows.

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
