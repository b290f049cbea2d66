import type { Counter, Histogram } from "prom-client";
import { loginMethodOf, webauthnCeremonyOf } from "./ceremonies.js";
import type { Metrics } from "./metrics.js";
import type { RequestObserver, RequestRecord } from "./request-record.js";
import { outcome, statusClass } from "./status-class.js";

/**
 * Counts each finished request: requests and latency by product, route, transport and status
 * class; refusals by reason; WebAuthn ceremonies and logins by outcome. Every label comes from a
 * bounded set (route templates, RPC names, the reasons' union), never from the request itself.
 */
export function createRequestMetrics(metrics: Metrics): RequestObserver {
  // prom-client hashes the label object on every call: keep each label set's child.
  const requests = children(metrics.requests);
  const durations = children(metrics.duration);
  return {
    end(record: RequestRecord) {
      const status = statusClass(record);
      requests(`${record.product}\0${record.route}\0${record.transport}\0${status}`, { product: record.product, route: record.route, transport: record.transport, status_class: status }).inc();
      durations(`${record.product}\0${record.route}\0${record.transport}`, { product: record.product, route: record.route, transport: record.transport }).observe(record.durationMs / 1000);
      if (record.reason !== undefined && status === "4xx") metrics.refusals.inc({ product: record.product, reason: record.reason });
      if (record.rpc === undefined) return;
      const ceremony = webauthnCeremonyOf.get(record.rpc);
      if (ceremony !== undefined) metrics.webauthnCeremonies.inc({ product: record.product, ceremony, outcome: outcome(record) });
      const method = loginMethodOf.get(record.rpc);
      if (method !== undefined) metrics.logins.inc({ product: record.product, method, outcome: outcome(record) });
    },
  };
}

type Child<M> = M extends Counter<string> ? ReturnType<M["labels"]> : M extends Histogram<string> ? ReturnType<M["labels"]> : never;

function children<M extends Counter<string> | Histogram<string>>(metric: M): (key: string, labels: Record<string, string>) => Child<M> {
  const cache = new Map<string, Child<M>>();
  return (key, labels) => {
    let child = cache.get(key);
    if (child === undefined) {
      child = metric.labels(labels) as Child<M>;
      cache.set(key, child);
    }
    return child;
  };
}
