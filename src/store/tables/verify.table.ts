import type { CreatedAt, Timestamp } from "./column-types.js";

// Jincor VERIFY TOTP secrets (its verifications are challenges).

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
