import type { ColumnType, Generated } from "kysely";
import type { Timestamp } from "./column-types.js";

/**
 * One-time secret challenges of every product (Hanko passcodes, Jincor verifications,
 * Authentiq revocation codes, the Authenticator API's codes): the secret as HMAC, wrong
 * answers counted, single use, expiry; `purpose` says whose kind it is.
 */
export interface ChallengeTable {
  id: string;
  tenant_id: string;
  purpose: string;
  /** A keyed hash of whom it was issued to, for purposes looked up by subject. */
  subject: Uint8Array | null;
  secret_hash: Uint8Array | null;
  attempts: Generated<number>;
  max_attempts: number;
  user_id: string | null;
  /** The product's data, written as JSON text. */
  data: ColumnType<Record<string, unknown>, string, string>;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** Set when answered, burned, replaced or deleted. */
  closed_at: Date | null;
}
