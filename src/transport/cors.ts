import { cors } from "@connectrpc/connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Logger } from "../log.js";
import { createCorsRefusalLog, type CorsRefusal } from "./cors-refusal-log.js";

/**
 * Headers a browser may read: Connect's own (grpc-status, grpc-message and
 * grpc-status-details-bin, which gRPC-Web reads its status and ErrorInfo from when an error is
 * answered in the headers; the encodings), the request id, and the session headers Hanko sends.
 */
export const exposedHeaders = [...cors.exposedHeaders, "X-Request-Id", "X-Auth-Token", "X-Session-Lifetime", "Location"];
/**
 * Headers a browser may send: Connect's, gRPC-Web's, the credentials the products read, and the
 * correlation headers the server reads (an app's own X-Request-Id, W3C trace context from browser
 * tracing): a header missing here fails the whole call at the preflight.
 */
export const allowedHeaders = [...cors.allowedHeaders, "Authorization", "X-Requested-With", "AT-X-KEY", "X-Client-Id", "X-Request-Id", "traceparent", "tracestate"];
const allowedMethods = [...new Set([...cors.allowedMethods, "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])].join(", ");
const exposed = exposedHeaders.join(", ");
const allowed = allowedHeaders.join(", ");

/**
 * What CORS made of a request: `answered` (a preflight of an allowed origin, already answered),
 * `refused` (an `Origin` that is not allowed, not the server's own and not the request's own),
 * or `served` (no `Origin`, an allowed one, or a same-origin request): go on.
 */
export type CorsVerdict = "answered" | "refused" | "served";

/**
 * Methods that may change something (RFC 9110 §9.2.1: not safe). A browser sends them from a
 * form or a script of any page, with the site's cookies when the page is same-site: from an
 * origin CORS refuses, they are answered 403 before any handler runs, where hiding the answer
 * alone would leave the write done. GET, HEAD and OPTIONS (the preflight) change nothing.
 */
export function isUnsafeMethod(method: string | undefined): boolean {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
}

/** The longest origin written to the log: the header is the caller's, the log line is ours. */
const loggedOriginLength = 200;

/**
 * CORS for the origins in `CORS_ORIGINS` (never `*`: the config refuses it, answers carry
 * credentials). Returns a function that adds the headers to an answer and says what it found
 * (CorsVerdict). A request from an origin that is not allowed gets no CORS headers (the browser
 * then hides the answer from the page, which sees only a network error) and is logged at warn,
 * with the origin, the method and the path (never the query, which may carry a token), so that
 * an operator can tell why a browser app fails: the first refusal of an origin, then at most one
 * line per origin per minute with the count of those not logged (cors-refusal-log.ts). Hiding
 * the answer does not undo a write: the caller refuses an unsafe request of a refused origin
 * before any handler runs (see isUnsafeMethod). A same-origin request is no cross-origin call
 * (Chromium sends `Origin` on every same-origin POST, the demo page at /demo/ among them): an
 * origin that is one of the server's own (`ORIGIN`) or the request's own scheme://host is
 * served without CORS headers and without a log line.
 */
export function createCors(
  origins: readonly string[],
  logger: Logger,
  ownOrigins: readonly string[] = [],
  logRefusal: (origin: string, refusal: CorsRefusal) => void = createCorsRefusalLog({ logger }),
) {
  const allowedOrigins = new Set(origins);
  const sameOrigins = new Set(ownOrigins);
  return (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): CorsVerdict => {
    const origin = request.headers.origin;
    if (origin === undefined) return "served";
    const preflight = request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
    if (!allowedOrigins.has(origin)) {
      if (sameOrigins.has(origin) || origin === requestOrigin(request)) return "served";
      response.setHeader("Vary", "Origin");
      logRefusal(origin.slice(0, loggedOriginLength), {
        method: request.method,
        path: (request.url ?? "/").split("?", 1)[0] ?? "/",
        preflight,
        allowed: origins.length === 0 ? "none (CORS_ORIGINS is empty)" : origins.join(" "),
      });
      return "refused";
    }
    response.setHeader("Access-Control-Allow-Origin", origin);
    response.setHeader("Access-Control-Allow-Credentials", "true");
    response.setHeader("Vary", "Origin");
    response.setHeader("Access-Control-Expose-Headers", exposed);
    if (!preflight) return "served";
    response.writeHead(204, {
      "Access-Control-Allow-Methods": allowedMethods,
      "Access-Control-Allow-Headers": allowed,
      "Access-Control-Max-Age": "7200",
    });
    response.end();
    return "answered";
  };
}

/** The scheme://host the request was sent to, from its Host (HTTP/1) or :authority (HTTP/2). */
function requestOrigin(request: IncomingMessage | Http2ServerRequest): string | undefined {
  const host = "authority" in request && request.authority ? request.authority : request.headers.host;
  if (host === undefined || host === "") return undefined;
  const secure = "encrypted" in request.socket && request.socket.encrypted === true;
  return `${secure ? "https" : "http"}://${host}`;
}
