import { cors } from "@connectrpc/connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

/** Headers a browser may read beyond Connect's own: the session headers Hanko sends. */
const exposed = [...cors.exposedHeaders, "X-Auth-Token", "X-Session-Lifetime", "Location"].join(", ");
const allowedHeaders = [...cors.allowedHeaders, "Authorization", "X-Requested-With", "AT-X-KEY", "X-Client-Id"].join(", ");
const allowedMethods = [...new Set([...cors.allowedMethods, "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])].join(", ");

/**
 * CORS for the origins in `CORS_ORIGINS` (`*` allows any). Returns a function that adds the
 * headers to an answer and reports whether it already answered a preflight.
 */
export function createCors(origins: readonly string[]) {
  const any = origins.includes("*");
  const allowed = new Set(origins);
  return (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): boolean => {
    const origin = request.headers.origin;
    if (origin === undefined || (!any && !allowed.has(origin))) return false;
    response.setHeader("Access-Control-Allow-Origin", origin);
    response.setHeader("Access-Control-Allow-Credentials", "true");
    response.setHeader("Vary", "Origin");
    response.setHeader("Access-Control-Expose-Headers", exposed);
    if (request.method !== "OPTIONS" || request.headers["access-control-request-method"] === undefined) return false;
    response.writeHead(204, {
      "Access-Control-Allow-Methods": allowedMethods,
      "Access-Control-Allow-Headers": allowedHeaders,
      "Access-Control-Max-Age": "7200",
    });
    response.end();
    return true;
  };
}
