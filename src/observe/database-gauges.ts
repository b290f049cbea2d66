import { Gauge } from "prom-client";
import type { OutboxBacklog } from "../store/outbox/outbox.store.js";
import type { Logger } from "../log.js";
import type { Metrics } from "./metrics.js";

/** Where the database gauges read at each scrape. */
export interface DatabaseGaugeSource {
  /** Pool counters: cheap, no query. */
  connections(): { inUse: number; waiting: number };
  /** The outbox backlog: one query. */
  outboxBacklog(): Promise<OutboxBacklog[]>;
}

const channels = ["email", "sms", "push", "webhook"] as const;

/** How long a scrape waits for the backlog query before it reports the last values it had. */
const backlogTimeoutMs = 1_000;

/**
 * Adds the gauges read at scrape time: pool connections in use and waiting, and the outbox depth
 * and the age of its oldest pending message per channel. The backlog query runs once per scrape,
 * bounded by a timeout; a failure or a timeout keeps the previous values and never fails the scrape.
 */
export function registerDatabaseGauges(metrics: Metrics, source: DatabaseGaugeSource, logger: Logger): void {
  const registers = [metrics.registry];
  new Gauge({ name: "tessera_database_connections_in_use", help: "Database connections held by a query or a transaction.", registers, collect() { this.set(source.connections().inUse); } });
  new Gauge({ name: "tessera_database_connections_waiting", help: "Queries waiting for a database connection.", registers, collect() { this.set(source.connections().waiting); } });
  // Both outbox gauges share one query per scrape.
  let backlog: { at: number; result: Promise<OutboxBacklog[] | undefined> } | undefined;
  const read = (): Promise<OutboxBacklog[] | undefined> => {
    const now = Date.now();
    if (backlog !== undefined && now - backlog.at < 500) return backlog.result;
    backlog = { at: now, result: bounded(source.outboxBacklog(), logger) };
    return backlog.result;
  };
  const outboxGauge = (name: string, help: string, value: (row: OutboxBacklog) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["channel"],
      registers,
      // Every worker of a cluster reads the same outbox: their sum would count it once per worker.
      aggregator: "max",
      async collect() {
        const rows = await read();
        if (rows === undefined) return;
        for (const channel of channels) {
          const row = rows.find((candidate) => candidate.channel === channel);
          this.set({ channel }, row === undefined ? 0 : value(row));
        }
      },
    });
  outboxGauge("tessera_outbox_pending_messages", "Messages in the outbox not yet sent nor dead-lettered, by channel.", (row) => row.pending);
  outboxGauge("tessera_outbox_oldest_pending_age_seconds", "Age of the oldest pending outbox message, by channel (0 when none).", (row) => row.oldestAgeSeconds);
}

async function bounded(query: Promise<OutboxBacklog[]>, logger: Logger): Promise<OutboxBacklog[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), backlogTimeoutMs)));
  try {
    return await Promise.race([
      query.catch((error: unknown) => {
        logger.debug("outbox backlog not read for metrics", { error: error instanceof Error ? error.message : String(error) });
        return undefined;
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
