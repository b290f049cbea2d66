import type { Generated } from "kysely";
import type { CreatedAt, Timestamp } from "./column-types.js";

// Hanko sessions, passcodes, passwords and one-time tokens.

/** Sessions: the `jti` of a session token; revoked at logout. */
export interface SessionTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  revoked_at: Date | null;
}
/** Password hashes (argon2id), one per user. */
export interface PasswordTable {
  user_id: string;
  tenant_id: string;
  hash: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
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
