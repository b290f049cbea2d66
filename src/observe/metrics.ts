import { collectDefaultMetrics, Counter, Registry } from "prom-client";
import { talliedCounter, talliedHistogram, type TalliedCounter, type TalliedHistogram } from "./tally.js";

/** The Prometheus metrics of one App: a registry of its own, as tests run many Apps in one process. */
export interface Metrics {
  readonly registry: Registry;
  /** Labels product, route, transport, status_class. */
  readonly requests: TalliedCounter;
  /** Labels product, route, transport. */
  readonly duration: TalliedHistogram;
  readonly refusals: Counter<"product" | "reason">;
  readonly webauthnCeremonies: Counter<"product" | "ceremony" | "outcome">;
  readonly logins: Counter<"product" | "method" | "outcome">;
  readonly queryErrors: Counter<"kind">;
  readonly outboxSends: Counter<"channel">;
  readonly outboxRetries: Counter<"channel">;
  readonly outboxDeadLetters: Counter<"channel">;
}

/** Latency buckets in seconds: a fast read (~1 ms) to a slow delivery-bound call. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Creates the metrics and their registry, with Node's process metrics (`collectDefaultMetrics`).
 * The gauges read from the database at each scrape are added by `registerDatabaseGauges`.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: talliedCounter(
      registry,
      "tessera_requests_total",
      "Requests answered, by product, route template or RPC, transport (rest, grpc, grpc-web, connect) and status class (2xx, 4xx, 5xx, or the gRPC code class for RPCs).",
    ),
    duration: talliedHistogram(registry, "tessera_request_duration_seconds", "Time from a request's arrival to the end of its response.", latencyBuckets),
    refusals: new Counter({ name: "tessera_refusals_total", help: "Requests refused, by product and reason (rate limited, wrong code, bad input, …).", labelNames: ["product", "reason"], registers }),
    webauthnCeremonies: new Counter({
      name: "tessera_webauthn_ceremonies_total",
      help: "Finished WebAuthn ceremonies (registration, login, verification) by product and outcome (success, refused, error).",
      labelNames: ["product", "ceremony", "outcome"],
      registers,
    }),
    logins: new Counter({ name: "tessera_logins_total", help: "Final login steps by product, method (password, passcode, code, webauthn, token) and outcome.", labelNames: ["product", "method", "outcome"], registers }),
    queryErrors: new Counter({ name: "tessera_database_query_errors_total", help: "Failed database queries by kind (unavailable: an outage; invalid: a value the request sent; internal: anything else).", labelNames: ["kind"], registers }),
    outboxSends: new Counter({ name: "tessera_outbox_sends_total", help: "Messages this replica delivered, by channel.", labelNames: ["channel"], registers }),
    outboxRetries: new Counter({ name: "tessera_outbox_retries_total", help: "Failed delivery attempts this replica scheduled again, by channel.", labelNames: ["channel"], registers }),
    outboxDeadLetters: new Counter({ name: "tessera_outbox_dead_letters_total", help: "Messages this replica dead-lettered (expired before delivery), by channel.", labelNames: ["channel"], registers }),
  };
}
