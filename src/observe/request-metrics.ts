import { loginMethodOf, webauthnCeremonyOf } from "./ceremonies.js";
import type { Metrics } from "./metrics.js";
import type { RequestObserver, RequestRecord } from "./request-record.js";
import { outcome, statusClass } from "./status-class.js";

/**
 * Counts each finished request: requests and latency by product, route, transport and status
 * class (tallied: the hot path), refusals by reason, WebAuthn ceremonies and logins by outcome.
 * Every label comes from a bounded set (route templates, RPC names, the reasons' union), never
 * from the request itself.
 */
export function createRequestMetrics(metrics: Metrics): RequestObserver {
  return {
    end(record: RequestRecord) {
      const status = statusClass(record);
      const { product, route, transport } = record;
      const key = `${product}\0${route}\0${transport}`;
      metrics.requests.inc(`${key}\0${status}`, () => ({ product, route, transport, status_class: status }));
      metrics.duration.observe(key, () => ({ product, route, transport }), record.durationMs / 1000);
      if (record.reason !== undefined && status === "4xx") metrics.refusals.inc({ product, reason: record.reason });
      if (record.rpc === undefined) return;
      const ceremony = webauthnCeremonyOf.get(record.rpc);
      if (ceremony !== undefined) metrics.webauthnCeremonies.inc({ product, ceremony, outcome: outcome(record) });
      const method = loginMethodOf.get(record.rpc);
      if (method !== undefined) metrics.logins.inc({ product, method, outcome: outcome(record) });
    },
  };
}
