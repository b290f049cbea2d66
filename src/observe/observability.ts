import { fromDatabaseError } from "../core/errors/database-error.js";
import type { OutboxMetrics } from "../delivery/outbox-worker.js";
import type { Logger } from "../log.js";
import { registerDatabaseGauges, type DatabaseGaugeSource } from "./database-gauges.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { createRequestLog } from "./request-log.js";
import { createRequestMetrics } from "./request-metrics.js";
import type { RequestObserver } from "./request-record.js";

/** An App's metrics, request observers and the hooks the database and the outbox report to. */
export interface Observability {
  readonly metrics: Metrics;
  /** The request log and the request metrics; empty when observing is off. */
  readonly observers: readonly RequestObserver[];
  readonly outbox: OutboxMetrics;
  /** Counts a failed query by the database-error classifier's kind. */
  queryFailed(error: unknown): void;
  /** Adds the gauges read from the database at each scrape. */
  watchDatabase(source: DatabaseGaugeSource): void;
}

/**
 * Creates them. `requests: false` (the bench's baseline only) turns off the request log and the
 * request metrics, so that their cost can be measured; everything else stays.
 */
export function createObservability(logger: Logger, requests = true): Observability {
  const metrics = createMetrics();
  return {
    metrics,
    observers: requests ? [createRequestLog(logger), createRequestMetrics(metrics)] : [],
    outbox: {
      sent: (channel) => metrics.outboxSends.inc({ channel }),
      retried: (channel) => metrics.outboxRetries.inc({ channel }),
      deadLettered: (channel) => metrics.outboxDeadLetters.inc({ channel }),
    },
    queryFailed: (error) => metrics.queryErrors.inc({ kind: fromDatabaseError(error)?.kind ?? "internal" }),
    watchDatabase: (source) => registerDatabaseGauges(metrics, source, logger),
  };
}
