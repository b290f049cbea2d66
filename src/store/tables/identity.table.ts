import type { ColumnType, Generated } from "kysely";
import type { CreatedAt, Timestamp } from "./column-types.js";

// Tables of the one identity model: tenants, their API keys, users and their contacts, linked provider identities.

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
  /** When an operator locked the user (tessera.admin.v1 LockUser); null when not locked. */
  locked_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The operator's note on the lock. */
  lock_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** The product the user was created through (hanko, authenticator, authfi); null when unknown (an import, or a row older than the column with no evidence). */
  created_through: ColumnType<string | null, string | null | undefined, string | null>;
  /** The username (lower-cased, unique in the tenant) Hanko's password login takes in place of the id; null when none. */
  username: ColumnType<string | null, string | null | undefined, string | null>;
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
/** Phone numbers (`+` and digits), unique per tenant: a contact beside emails. */
export interface PhoneNumberTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  number: string;
  verified: boolean;
  created_at: CreatedAt;
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
