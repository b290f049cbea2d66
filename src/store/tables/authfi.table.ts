import type { ColumnType } from "kysely";
import type { CreatedAt, Timestamp } from "./column-types.js";

// AuthFi users of each access point.

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
