import type { ColumnType } from "kysely";

/**
 * One limit counter: the hits of one key (a keyed hash of the policy's name and whose hits it
 * counts) in the fixed window that began at `window_started_at` and ends at `expires_at`.
 */
export interface LimitTable {
  tenant_id: string;
  key: Uint8Array;
  hits: number;
  window_started_at: Date;
  expires_at: Date;
  /** When the window's first refused hit recorded its `rate_limit.tripped` event; null before (and in each new window). */
  tripped_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}
