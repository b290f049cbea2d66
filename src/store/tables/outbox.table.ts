import type { ColumnType, Generated } from "kysely";
import type { CreatedAt, Timestamp } from "./column-types.js";

// The outbox of messages to deliver.

/** Messages to deliver, written in the transaction that creates what they carry. */
export interface OutboxTable {
  id: Generated<string>;
  tenant_id: string;
  channel: "email" | "sms" | "push" | "webhook";
  recipient: string;
  subject: string;
  body: string;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  claimed_until: Date | null;
  sent_at: Date | null;
  failed_at: Date | null;
  last_error: string | null;
  /** When what the message carries stops being valid; null means 24 hours after `created_at`. */
  expires_at: Date | null;
  created_at: CreatedAt;
  /** Messages of one key go out in `sequence` order: none while an older one is pending. */
  ordering_key: string | null;
  sequence: ColumnType<string, never, never>;
}
