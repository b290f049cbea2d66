import { loginMethodOf, webauthnCeremonyOf } from "./ceremonies.js";
import type { Metrics } from "./metrics.js";
import type { RequestObserver, RequestRecord } from "./request-record.js";
import { outcome, statusClass } from "./status-class.js";
import { routeCache } from "./route-cache.js";
import type { CounterSeries, HistogramSeries } from "./tally.js";

/** The series one route and transport counts into, found once. */
interface RouteSeries {
  duration: HistogramSeries;
  /** By status class. */
  requests: Map<string, CounterSeries>;
}

/**
 * Counts each finished request: requests and latency by product, route, transport and status
 * class (tallied: the hot path, their series kept per route and transport), refusals by reason,
 * WebAuthn ceremonies and logins by outcome. Every label comes from a bounded set (route
 * templates, RPC names, the reasons' union), never from the request itself.
 */
export function createRequestMetrics(metrics: Metrics): RequestObserver {
  const seriesOf = routeCache(
    (product, route, transport): RouteSeries => ({
      duration: metrics.duration.series(`${product}\0${route}\0${transport}`, () => ({ product, route, transport })),
      requests: new Map(),
    }),
  );
  return {
    end(record: RequestRecord) {
      const status = statusClass(record);
      const { product, route, transport } = record;
      const series = seriesOf(product, route, transport);
      let requests = series.requests.get(status);
      if (requests === undefined) {
        requests = metrics.requests.series(`${product}\0${route}\0${transport}\0${status}`, () => ({ product, route, transport, status_class: status }));
        series.requests.set(status, requests);
      }
      requests.inc();
      series.duration.observe(record.durationMs / 1000);
      if (record.reason !== undefined && status === "4xx") metrics.refusals.inc({ product, reason: record.reason });
      if (record.rpc === undefined) return;
      const ceremony = webauthnCeremonyOf.get(record.rpc);
      if (ceremony !== undefined) metrics.webauthnCeremonies.inc({ product, ceremony, outcome: outcome(record) });
      const method = loginMethodOf.get(record.rpc);
      if (method !== undefined) metrics.logins.inc({ product, method, outcome: outcome(record) });
    },
  };
}
