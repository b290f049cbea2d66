import http from "node:http";
import http2 from "node:http2";
import type { RequestRecord } from "./request-record.js";

type Headers = http.OutgoingHttpHeaders | http.OutgoingHttpHeader[];

/**
 * The HTTP/1.1 response the listener makes (node:http's `ServerResponse` option): it carries
 * the record of its request, so that the request tracking ends records from one 'close' listener
 * shared by every response (no closure, no `once` wrapper each), and it writes the record's id as
 * `X-Request-Id` with the headers given to `writeHead`. A `setHeader` before `writeHead(status,
 * headers)` would send node:http down its slow path, which validates and copies every header of
 * the answer once more.
 */
export class RecordedResponse<Request extends http.IncomingMessage = http.IncomingMessage> extends http.ServerResponse<Request> {
  /** The record of the request, while it is tracked. */
  record: RequestRecord | undefined = undefined;

  override writeHead(statusCode: number, statusMessage?: string, headers?: Headers): this;
  override writeHead(statusCode: number, headers?: Headers): this;
  override writeHead(statusCode: number, messageOrHeaders?: string | Headers, headers?: Headers): this {
    const message = typeof messageOrHeaders === "string" ? messageOrHeaders : undefined;
    let given = typeof messageOrHeaders === "string" ? headers : messageOrHeaders;
    const id = this.record?.id;
    if (id !== undefined) {
      // A copy: the caller's object may be shared. An array or no headers takes the slow path anyway.
      if (given === undefined || Array.isArray(given)) this.setHeader("x-request-id", id);
      else given = { ...given, "x-request-id": id };
    }
    return message === undefined ? super.writeHead(statusCode, given) : super.writeHead(statusCode, message, given);
  }
}

/**
 * The HTTP/2 compatibility response the listener makes (node:http2's `Http2ServerResponse`
 * option), carrying its request's record like `RecordedResponse`. Its `writeHead` sets each
 * header one by one in any case, so the tracking sets `X-Request-Id` on it directly.
 */
export class RecordedHttp2Response<Request extends http2.Http2ServerRequest = http2.Http2ServerRequest> extends http2.Http2ServerResponse<Request> {
  record: RequestRecord | undefined = undefined;
}
