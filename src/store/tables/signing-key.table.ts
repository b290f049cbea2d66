import type { ColumnType } from "kysely";
import type { CreatedAt } from "./column-types.js";

// The token-signing keys table.

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
