import { sql, type Kysely } from "kysely";
import type { Logger } from "../log.js";
import type { Schema } from "./schema.js";

/**
 * What may be deleted, and when: one-time state (codes, challenges, tokens, jobs, sessions)
 * once it has been expired for `graceSeconds` (nothing reads it any more: each check also
 * compares its expiry), and delivered or abandoned outbox rows after a week.
 */
export const retentionRules: ReadonlyArray<{ table: keyof Schema; column: string; graceSeconds: number }> = [
  { table: "sessions", column: "expires_at", graceSeconds: 3600 },
  { table: "challenges", column: "expires_at", graceSeconds: 3600 },
  { table: "webauthn_challenges", column: "expires_at", graceSeconds: 3600 },
  { table: "one_time_tokens", column: "expires_at", graceSeconds: 3600 },
  { table: "authentiq_scope_jobs", column: "expires_at", graceSeconds: 3600 },
  // A token's pending sign-up (contact, password hash) goes with it (on delete cascade).
  { table: "authenticator_tokens", column: "expires_at", graceSeconds: 3600 },
  // A limit's window is over at its expiry; nothing reads an older one.
  { table: "limits", column: "expires_at", graceSeconds: 3600 },
  { table: "thirdparty_states", column: "expires_at", graceSeconds: 3600 },
  { table: "saml_requests", column: "expires_at", graceSeconds: 3600 },
  { table: "saml_assertions", column: "expires_at", graceSeconds: 3600 },
  { table: "outbox", column: "sent_at", graceSeconds: 7 * 24 * 3600 },
  { table: "outbox", column: "failed_at", graceSeconds: 7 * 24 * 3600 },
];

/** How long audit events and webhook delivery attempts are kept unless AUDIT_RETENTION_DAYS says otherwise. */
export const defaultAuditRetentionDays = 90;

/** The audit trail's rules: its events and the webhook attempts that carried them, `days` after they happened. */
export function auditRetentionRules(days: number): typeof retentionRules {
  const graceSeconds = days * 24 * 3600;
  return [
    { table: "audit_events", column: "occurred_at", graceSeconds },
    { table: "webhook_deliveries", column: "created_at", graceSeconds },
  ];
}

/** Rows deleted per statement: short transactions, never a long lock. */
const batchSize = 1000;
/** Batches per table per run: a backlog is worked off over several runs. */
const maxBatches = 20;

/** Deletes what the retention rules (and the audit trail's, after `auditRetentionDays`) allow at `now`; returns the rows deleted per table. */
export async function purgeExpired(db: Kysely<Schema>, now: Date, auditRetentionDays = defaultAuditRetentionDays): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const rule of [...retentionRules, ...auditRetentionRules(auditRetentionDays)]) {
    const before = new Date(now.getTime() - rule.graceSeconds * 1000);
    for (let batch = 0; batch < maxBatches; batch++) {
      const result = await sql`
        delete from ${sql.table(rule.table)} where ctid in (
          select ctid from ${sql.table(rule.table)} where ${sql.ref(rule.column)} < ${before} limit ${batchSize})`.execute(db);
      const count = Number(result.numAffectedRows ?? 0n);
      deleted[rule.table] = (deleted[rule.table] ?? 0) + count;
      if (count < batchSize) break;
    }
  }
  return deleted;
}

/** Runs `purgeExpired` every `intervalMs` (first after `firstDelayMs`) until stopped. */
export interface RetentionWorker {
  start(): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Creates the worker. Replicas may all run it: deleting an expired row twice is harmless. */
export function createRetentionWorker(deps: { db: Kysely<Schema>; logger: Logger; auditRetentionDays?: number; intervalMs?: number; firstDelayMs?: number; now?: () => number }): RetentionWorker {
  const intervalMs = deps.intervalMs ?? 10 * 60_000;
  const now = deps.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    running = purgeExpired(deps.db, new Date(now()), deps.auditRetentionDays)
      .then((deleted) => {
        const total = Object.values(deleted).reduce((sum, count) => sum + count, 0);
        if (total > 0) deps.logger.info("purged expired rows", deleted);
      })
      .catch((error: unknown) => deps.logger.warn("purging expired rows failed", { error: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        running = undefined;
        if (!stopped) schedule(intervalMs);
      });
  };
  const schedule = (delay: number) => {
    timer = setTimeout(run, delay);
    timer.unref();
  };
  return {
    start() {
      stopped = false;
      schedule(deps.firstDelayMs ?? 60_000);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
