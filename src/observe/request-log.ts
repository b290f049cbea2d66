import type { Logger } from "../log.js";
import type { RequestObserver, RequestRecord } from "./request-record.js";
import { routeCache } from "./route-cache.js";

/**
 * One `info` line per request: `{message: "request", requestId, product, route, transport,
 * status, durationMs, rpcCode?, reason?}`. Only what the record holds, which never carries a
 * secret: no header, query string, path value, cookie or body reaches it.
 *
 * The hot path: the line is built as text, with `"product":…,"route":…,"transport":…`
 * serialized once per route and transport (a bounded set: route templates and RPC names) and
 * every other value a number or a JSON-escaped string.
 */
export function createRequestLog(logger: Logger): RequestObserver {
  const fragmentOf = routeCache(
    (product, route, transport) => `"product":${JSON.stringify(product)},"route":${JSON.stringify(route)},"transport":${JSON.stringify(transport)}`,
  );
  return {
    end(record: RequestRecord) {
      let fields =
        // The id needs no escaping: request-id.ts accepts only characters JSON takes as they are.
        `"requestId":"${record.id}",${fragmentOf(record.product, record.route, record.transport)}` +
        `,"status":${record.httpStatus},"durationMs":${Math.round(record.durationMs * 1000) / 1000}`;
      if (record.rpcCode !== undefined) fields += `,"rpcCode":${JSON.stringify(record.rpcCode)}`;
      if (record.reason !== undefined) fields += `,"reason":${JSON.stringify(record.reason)}`;
      logger.infoJson("request", fields);
    },
  };
}
