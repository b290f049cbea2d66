import type { Logger } from "../log.js";
import type { RequestObserver, RequestRecord } from "./request-record.js";

/**
 * One `info` line per request: `{message: "request", requestId, product, route, transport,
 * status, rpcCode?, durationMs, reason?}`. Only what the record holds, which never carries a
 * secret: no header, query string, path value, cookie or body reaches it.
 */
export function createRequestLog(logger: Logger): RequestObserver {
  return {
    end(record: RequestRecord) {
      const fields: Record<string, unknown> = {
        requestId: record.id,
        product: record.product,
        route: record.route,
        transport: record.transport,
        status: record.httpStatus,
        durationMs: Math.round(record.durationMs * 1000) / 1000,
      };
      if (record.rpcCode !== undefined) fields.rpcCode = record.rpcCode;
      if (record.reason !== undefined) fields.reason = record.reason;
      logger.info("request", fields);
    },
  };
}
