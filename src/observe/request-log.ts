import type { Logger } from "../log.js";
import type { RequestObserver, RequestRecord } from "./request-record.js";

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
  // route → transport → the product it was serialized with and the fragment.
  const fragments = new Map<string, Map<string, { product: string; json: string }>>();
  const fragmentOf = (product: string, route: string, transport: string): string => {
    let byTransport = fragments.get(route);
    if (byTransport === undefined) {
      byTransport = new Map();
      fragments.set(route, byTransport);
    }
    const known = byTransport.get(transport);
    if (known !== undefined && known.product === product) return known.json;
    const json = `"product":${JSON.stringify(product)},"route":${JSON.stringify(route)},"transport":${JSON.stringify(transport)}`;
    // One product per route and transport in practice; a second one is served, not cached.
    if (known === undefined) byTransport.set(transport, { product, json });
    return json;
  };
  return {
    end(record: RequestRecord) {
      let fields =
        `"requestId":${JSON.stringify(record.id)},${fragmentOf(record.product, record.route, record.transport)}` +
        `,"status":${record.httpStatus},"durationMs":${Math.round(record.durationMs * 1000) / 1000}`;
      if (record.rpcCode !== undefined) fields += `,"rpcCode":${JSON.stringify(record.rpcCode)}`;
      if (record.reason !== undefined) fields += `,"reason":${JSON.stringify(record.reason)}`;
      logger.infoJson("request", fields);
    },
  };
}
