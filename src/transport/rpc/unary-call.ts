import { create, type DescMessage, type DescMethodUnary, type DescService, type Message } from "@bufbuild/protobuf";
import { createContextValues, type ContextValues, type HandlerContext, type Interceptor, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import type { IncomingHttpHeaders } from "node:http";
import { clientKey, type Client } from "../../core/client/client.js";
import type { RequestRecord } from "../../observe/request-record.js";
import { withRequestRecord } from "../../observe/request-tracking.js";
import type { CallLifetime } from "./call-lifetime.js";

/** A unary RPC implementation, as a service registration holds it. */
export type UnaryImplementation = (request: Message, context: HandlerContext) => unknown;

/** Marks the response the implementation's answer became (not enumerable: a copy loses it). */
const ownResponse = Symbol("own response");

/** What one call of the unary path knows before it runs: the request line and headers. */
export interface UnaryCallInit {
  method: DescMethodUnary;
  protocolName: "grpc" | "connect";
  requestMethod: string;
  /** The request's path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  lifetime: CallLifetime;
  /** The call's request record, for the tracking interceptor (none when tracking is off). */
  record: RequestRecord | undefined;
  /** Who sent the call, for the handler's context. */
  client: Client;
}

/**
 * One call on the unary path: the request the interceptors see and the HandlerContext the
 * implementation gets, with headers, context values and the signal made only when read.
 */
export class UnaryCall {
  private requestHeader: Headers | undefined;
  private values: ContextValues | undefined;
  private header: Headers | undefined;
  private trailer: Headers | undefined;

  constructor(private readonly init: UnaryCallInit) {}

  /** The response headers the implementation or an interceptor set, if any was. */
  get responseHeader(): Headers | undefined {
    return this.header;
  }

  /** The response trailers the implementation or an interceptor set, if any was. */
  get responseTrailer(): Headers | undefined {
    return this.trailer;
  }

  /** Runs `input` through `interceptors` into `implementation`; the output as a full message. */
  async invoke(input: Message, implementation: UnaryImplementation, interceptors: readonly Interceptor[]): Promise<Message> {
    const call = this;
    const { method, protocolName, requestMethod, lifetime } = this.init;
    const service = method.parent;
    const own = {
      get header() {
        return (call.header ??= new Headers());
      },
      get trailer() {
        return (call.trailer ??= new Headers());
      },
    };
    const request: UnaryRequest = {
      stream: false,
      service,
      method,
      message: input,
      requestMethod,
      get url() {
        return call.url();
      },
      get signal() {
        return lifetime.signal;
      },
      get header() {
        return (call.requestHeader ??= toHeaders(call.init.headers));
      },
      get contextValues() {
        return (call.values ??= withRequestRecord(createContextValues().set(clientKey, call.init.client), call.init.record));
      },
    };
    const innermost = async (received: UnaryRequest): Promise<UnaryResponse> => {
      const context: HandlerContext =
        received === request
          ? {
              method,
              service,
              requestMethod,
              protocolName,
              timeoutMs: () => lifetime.timeoutMs(),
              get url() {
                return call.url();
              },
              get signal() {
                return lifetime.signal;
              },
              get requestHeader() {
                return request.header;
              },
              get responseHeader() {
                return own.header;
              },
              get responseTrailer() {
                return own.trailer;
              },
              get values() {
                return request.contextValues;
              },
            }
          : {
              method,
              service: received.service,
              requestMethod,
              protocolName,
              timeoutMs: () => lifetime.timeoutMs(),
              url: received.url,
              signal: received.signal,
              requestHeader: received.header,
              get responseHeader() {
                return own.header;
              },
              get responseTrailer() {
                return own.trailer;
              },
              values: received.contextValues,
            };
      const output = await implementation(received.message, context);
      const response: UnaryResponse & { [ownResponse]?: true } = {
        stream: false,
        service,
        method,
        message: create(method.output as DescMessage, output as never),
        get header() {
          return own.header;
        },
        get trailer() {
          return own.trailer;
        },
      };
      Object.defineProperty(response, ownResponse, { value: true });
      return response;
    };
    let next = innermost as (request: UnaryRequest) => Promise<UnaryResponse>;
    for (let i = interceptors.length - 1; i >= 0; i--) next = interceptors[i]!(next as never) as unknown as typeof next;
    const response: UnaryResponse & { [ownResponse]?: true } = await next(request);
    if (response[ownResponse] !== true) {
      // An interceptor answered with headers of its own: those are the call's.
      this.header = response.header;
      this.trailer = response.trailer;
    }
    return response.message;
  }

  private url(): string {
    const authority = this.init.headers[":authority"] ?? this.init.headers.host ?? "localhost";
    return `http://${String(authority)}${this.init.path}`;
  }
}

/** Node's request headers as fetch Headers, without HTTP/2 pseudo-headers. */
function toHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ":" */) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) out.append(name, item);
    else out.append(name, value);
  }
  return out;
}
