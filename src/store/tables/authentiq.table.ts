import type { Generated } from "kysely";
import type { CreatedAt, Timestamp } from "./column-types.js";

// Authentiq keys, revocations by email and phone, and scope jobs.

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
