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
  return {
    record: (tx, event) => store.insert(tx, toRow(event)),
    recordMany: (tx, events) => store.insertMany(tx, events.map(toRow)),
    recordAlone: (event) => store.insertAlone(toRow(event)),
  };
}

function clip(value: string | undefined): string | null {
  if (value === undefined || value === "") return null;
  return value.length > maxText ? value.slice(0, maxText) : value;
}

/** An audit log that records nothing (unit tests of mechanics that do not check the trail). */
export const noAudit: AuditLog<never> & AuditLog<unknown> = { record: async () => {}, recordMany: async () => {}, recordAlone: async () => {} };

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
