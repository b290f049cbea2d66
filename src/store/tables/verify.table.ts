import type { ColumnType, Generated } from "kysely";
import type { CreatedAt, Timestamp } from "./column-types.js";

// Jincor VERIFY verifications and TOTP secrets.

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
