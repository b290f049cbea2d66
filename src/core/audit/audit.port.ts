import type { AuditEvent, AuditEventType, AuditOutcome, AuditProduct } from "./audit-event.js";

/** An event ready to store: its id and time fixed by the audit log. */
export type NewAuditEvent = Omit<AuditEvent, "sequence">;

/** Which events a listing or a watch wants; every filter is optional. */
export interface AuditFilter {
  tenantId?: string;
  userId?: string;
  /** Any of these types; every type when unset or empty. */
  types?: AuditEventType[];
  product?: AuditProduct;
  outcome?: AuditOutcome;
  /** Inclusive lower bound of the event time. */
  from?: Date;
  /** Exclusive upper bound of the event time. */
  until?: Date;
}

/**
 * The store the audit log needs. `Tx` is the store's transaction: an event is written in the
 * transaction of the act it records, and the webhook deliveries it causes with it.
 */
export interface AuditStore<Tx> {
  /** Writes `event`, and queues it for every enabled webhook subscribed to its type, in `tx`. */
  insert(tx: Tx, event: NewAuditEvent): Promise<void>;
  /** Writes `events` and their deliveries in `tx`, in one statement (many acts of one transaction, an import's batch). */
  insertMany(tx: Tx, events: readonly NewAuditEvent[]): Promise<void>;
  /** Writes `event` on its own (an act with no transaction of its own, e.g. a limit's one statement). */
  insertAlone(event: NewAuditEvent): Promise<void>;
}

/** What reads the log (the admin API). */
export interface AuditReader {
  /** Events matching `filter`, newest first, older than the `before` sequence when given. */
  list(filter: AuditFilter, limit: number, before?: bigint): Promise<AuditEvent[]>;
  /** Events matching `filter` after the `after` sequence, oldest first. */
  since(filter: AuditFilter, after: bigint, limit: number): Promise<AuditEvent[]>;
  /** The sequence of the newest event (0 when none). */
  latest(): Promise<bigint>;
  /** The sequence of the event `id`; undefined when there is none (or it was purged). */
  sequenceOf(id: string): Promise<bigint | undefined>;
  /**
   * The sequences of committed events, whatever they are: the first `limit` after `after`,
   * ascending, and those of `among` that are committed. What a watch tells the sequence's gaps by.
   */
  committed(after: bigint, limit: number, among: readonly bigint[]): Promise<bigint[]>;
  /** The events matching `filter` among `sequences`, oldest first. */
  at(filter: AuditFilter, sequences: readonly bigint[]): Promise<AuditEvent[]>;
}
