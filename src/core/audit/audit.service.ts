import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import type { AuditClient, AuditEventInput } from "./audit-event.js";
import type { AuditStore, NewAuditEvent } from "./audit.port.js";

/**
 * The audit trail: every security-relevant act of every product, written in the same
 * transaction as the act (a refused login's event commits with the refusal's counters, then the
 * refusal is thrown), with the time from the injected clock. Never a secret in an event.
 */
export interface AuditLog<Tx> {
  /** Records `event` in `tx`, the transaction of the act. */
  record(tx: Tx, event: AuditEventInput): Promise<void>;
  /** Records `events` in `tx`, the transaction of the acts, at once (an import's batch of users). */
  recordMany(tx: Tx, events: readonly AuditEventInput[]): Promise<void>;
  /** Records `event` in a transaction of its own, for an act that has none (a limit's single statement). */
  recordAlone(event: AuditEventInput): Promise<void>;
  /**
   * Runs `work` (a part of the transaction `tx`), holding back the events recorded in `tx`
   * meanwhile, and writes them at its end in one statement, still in `tx`: the acts of one
   * transaction written by different services (a passkey login's `login.succeeded` and its
   * `session.issued`) pay one round trip for their trail. When `work` throws, they are dropped
   * with the transaction it rolls back.
   */
  together<T>(tx: Tx, work: () => Promise<T>): Promise<T>;
}

/** What the log needs. */
export interface AuditLogDeps<Tx> {
  store: AuditStore<Tx>;
  clock: Clock;
  /** The tenant of an event that names none. */
  tenantId: string;
  /** The client of the request being served, when the transport tells (unset: none). */
  client?: () => AuditClient | undefined;
}

/** Longest reason, user agent and detail value kept: an event is a record, not a dump of input. */
const maxText = 256;

/** Creates the audit log over `store`. */
export function createAuditLog<Tx>(deps: AuditLogDeps<Tx>): AuditLog<Tx> {
  const { store, clock, tenantId } = deps;
  const toRow = (event: AuditEventInput): NewAuditEvent => {
    const client = event.client ?? deps.client?.();
    return {
      id: randomUUID(),
      occurredAt: clock.now(),
      tenantId: event.tenantId ?? tenantId,
      type: event.type,
      outcome: event.outcome,
      product: event.product,
      userId: event.userId ?? null,
      reason: clip(event.reason ?? "") ?? "",
      clientIp: clip(client?.ip),
      userAgent: clip(client?.userAgent),
      actor: event.actor ?? null,
      details: Object.fromEntries(Object.entries(event.details ?? {}).map(([key, value]) => [key, typeof value === "string" ? clip(value) : value])),
    };
  };
  // The events held back by `together`, per transaction (a transaction handle is an object).
  const held = new WeakMap<object, NewAuditEvent[]>();
  const heldIn = (tx: Tx) => (typeof tx === "object" && tx !== null ? held.get(tx) : undefined);
  return {
    async record(tx, event) {
      const waiting = heldIn(tx);
      if (waiting === undefined) return store.insert(tx, toRow(event));
      waiting.push(toRow(event));
    },
    async recordMany(tx, events) {
      const waiting = heldIn(tx);
      if (waiting === undefined) return store.insertMany(tx, events.map(toRow));
      waiting.push(...events.map(toRow));
    },
    recordAlone: (event) => store.insertAlone(toRow(event)),
    async together<T>(tx: Tx, work: () => Promise<T>): Promise<T> {
      // No handle to key on, or already held back by an outer call: the events go where they would.
      if (typeof tx !== "object" || tx === null || held.has(tx)) return work();
      const waiting: NewAuditEvent[] = [];
      held.set(tx, waiting);
      let value: T;
      try {
        value = await work();
      } finally {
        held.delete(tx);
      }
      if (waiting.length === 1) await store.insert(tx, waiting[0]!);
      else await store.insertMany(tx, waiting);
      return value;
    },
  };
}

function clip(value: string | undefined): string | null {
  if (value === undefined || value === "") return null;
  return value.length > maxText ? value.slice(0, maxText) : value;
}

/** An audit log that records nothing (unit tests of mechanics that do not check the trail). */
export const noAudit: AuditLog<never> & AuditLog<unknown> = { record: async () => {}, recordMany: async () => {}, recordAlone: async () => {}, together: (_tx, work) => work() };

/** The reason a refusal carries (a DomainError's), or a generic one. */
export function reasonOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "reason" in error && typeof error.reason === "string") return error.reason;
  return "ERROR";
}

/**
 * Runs `act`, then records on its own what came of it (a failed login's event must be written
 * although the login wrote nothing or rolled back: this is why these events stand alone): `success(value)`, or `failure(error)` before
 * the error is rethrown (undefined: nothing to record, e.g. a database fault). For mechanics whose
 * acts commit in statements of their own, with no transaction to share.
 */
export async function recordOutcome<T>(
  audit: AuditLog<unknown>,
  act: () => Promise<T>,
  success: (value: T) => AuditEventInput | undefined,
  failure: (error: unknown) => AuditEventInput | undefined,
): Promise<T> {
  let value: T;
  try {
    value = await act();
  } catch (error) {
    const event = failure(error);
    // The refusal is what the caller must see, even when its event could not be written.
    if (event !== undefined) await audit.recordAlone(event).catch(() => undefined);
    throw error;
  }
  const event = success(value);
  if (event !== undefined) await audit.recordAlone(event);
  return value;
}
