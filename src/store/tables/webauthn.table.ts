import type { ColumnType, Generated } from "kysely";
import type { PendingUser } from "../../core/webauthn/challenge.port.js";
import type { CreatedAt, Timestamp } from "./column-types.js";

// WebAuthn credentials and ceremony challenges, shared by Hanko, AuthFi and the Authenticator API.

/** WebAuthn credentials (passkeys, security keys) of a user. */
export interface WebauthnCredentialTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  /** The product that registered it (`hanko`, `authenticator`, `authfi`): each product sees only those its policy names. */
  product: string;
  credential_id: Uint8Array;
  public_key: Uint8Array;
  sign_count: ColumnType<string | number, number, number>;
  transports: string[];
  aaguid: string | null;
  backed_up: boolean;
  /** Imported credentials: the user handle given at registration elsewhere; null for Tessera's own (the user's UUID). */
  user_handle: ColumnType<Uint8Array | null, Uint8Array | null | undefined, Uint8Array | null>;
  backup_eligible: ColumnType<boolean, boolean | undefined, boolean>;
  name: string | null;
  created_at: CreatedAt;
  last_used_at: Date | null;
  /** When the name or the sign count last changed. */
  updated_at: Timestamp;
}
/** WebAuthn challenges handed out and not yet used. */
export interface WebauthnChallengeTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string | null;
  ceremony: "registration" | "login";
  challenge: string;
  /** The product and step that issued it (`hanko:login`, `authfi:verification`, …): only they can use it. */
  purpose: ColumnType<string, string, string>;
  /** The `userVerification` the ceremony asked for; null when left to the authenticator. */
  user_verification: ColumnType<string | null, string | null | undefined, string | null>;
  /** A registration's user still to be created (AuthFi): `{id, name, displayName}` as JSON text. */
  pending_user: ColumnType<PendingUser | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Date | null;
}
export type { PendingUser };
