import { createContextValues, type HandlerContext } from "@connectrpc/connect";
import { clientKey, type Client } from "../../core/client/client.js";
import type { Route } from "./route-table.js";

/** A signal that never aborts: REST calls are bounded by the server's request timeouts. */
const neverAborted = new AbortController().signal;

/**
 * A light HandlerContext for REST calls. connect-node's own context costs an AbortController
 * per call (see DESIGN.md "Performance"); handlers here read only fields of the message.
 */
export function restHandlerContext(route: Route, requestMethod: string, url: string, headers: Record<string, string | string[] | undefined>, client: Client): HandlerContext {
  let requestHeader: Headers | undefined;
  let responseHeader: Headers | undefined;
  let responseTrailer: Headers | undefined;
  let values: ReturnType<typeof createContextValues> | undefined;
  return {
    method: route.method,
    service: route.service,
    signal: neverAborted,
    timeoutMs: () => undefined,
    requestMethod,
    protocolName: "rest",
    url,
    get requestHeader() {
      requestHeader ??= toHeaders(headers);
      return requestHeader;
    },
    get responseHeader() {
      responseHeader ??= new Headers();
      return responseHeader;
    },
    get responseTrailer() {
      responseTrailer ??= new Headers();
      return responseTrailer;
    },
    get values() {
      values ??= createContextValues().set(clientKey, client);
      return values;
    },
  };
}

function toHeaders(headers: Record<string, string | string[] | undefined>): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) out.append(name, item);
  }
  return out;
}
