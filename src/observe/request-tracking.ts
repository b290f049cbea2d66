import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type ContextValues, type Interceptor } from "@connectrpc/connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { performance } from "node:perf_hooks";
import { DomainError } from "../core/errors/domain-error.js";
import { productOf } from "./product.js";
import { RecordedResponse } from "./recorded-response.js";
import { requestIdFrom } from "./request-id.js";
import type { RequestObserver, RequestRecord, Transport } from "./request-record.js";

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;
/** A response carrying the record of its request until it closes (the listener's do: recorded-response.ts). */
type Recorded = { record?: RequestRecord | undefined };

/**
 * The record of the call an RPC interceptor sees, in the call's context values: whatever path
 * serves the call (the unary path on the HTTP/2 stream or on a request, connect-node) puts it
 * there before the interceptors run.
 */
export const requestRecordKey = createContextKey<RequestRecord | undefined>(undefined, { description: "tessera request record" });

/**
 * Begins and ends the record of every request for the observers, and carries it to the RPC
 * interceptor through the call's context values.
 */
export interface RequestTracking {
  /**
   * Starts the record of a request (echoing its request id in `X-Request-Id`: the listener's
   * HTTP/1.1 response writes it with the head); ends it when the response closes.
   */
  begin(request: Request, response: Response): RequestRecord;
  /** Names the RPC a request to a service path calls (a path no RPC serves stays `unmatched`). */
  rpc(record: RequestRecord, request: Request, path: string): void;
  /**
   * Starts the record of a gRPC call served on the HTTP/2 stream itself (the caller echoes
   * `record.id` in its response headers); ends it when the stream closes.
   */
  beginStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, path: string): RequestRecord;
  /** Whether an observer serves requests inside a scope of its own (a tracer's span); when none does, callers may skip `serve` and its closure. */
  readonly scoped: boolean;
  /** Runs `serve` inside the observers' scope of the request (a tracer's span), or just runs it when none has one. */
  serve(record: RequestRecord, headers: IncomingHttpHeaders, serve: () => void): void;
  /** The outermost Connect interceptor: records the RPC's code and refusal reason. */
  readonly interceptor: Interceptor;
}

/** Creates the tracking of the RPCs `methods` for `observers`. */
export function createRequestTracking(observers: readonly RequestObserver[], methods: Iterable<DescMethod>): RequestTracking {
  const rpcs = new Map<string, { route: string; product: string }>();
  for (const method of methods) {
    const route = `${method.parent.typeName}/${method.name}`;
    rpcs.set(`/${route}`, { route, product: productOf(method) });
  }
  const beginners = observers.filter((observer) => observer.begin !== undefined);
  const scoping = observers.find((observer) => observer.scope !== undefined);

  const open = (id: string | string[] | undefined, transport: Transport, method: string): RequestRecord => {
    const record: RequestRecord = {
      id: requestIdFrom(id),
      startedAt: performance.now(),
      transport,
      method,
      product: "none",
      route: "unmatched",
      rpc: undefined,
      httpStatus: 0,
      rpcCode: undefined,
      reason: undefined,
      durationMs: 0,
    };
    for (const observer of beginners) observer.begin!(record);
    return record;
  };
  const name = (record: RequestRecord, path: string) => {
    const known = rpcs.get(path);
    if (known === undefined) return;
    record.route = known.route;
    record.rpc = known.route;
    record.product = known.product;
  };
  const close = (record: RequestRecord) => {
    record.durationMs = performance.now() - record.startedAt;
    for (const observer of observers) observer.end(record);
  };
  // One listener for every response, which finds its record on the response: no closure each.
  function responseClosed(this: Response & Recorded): void {
    const record = this.record;
    if (record === undefined) return;
    this.record = undefined;
    record.httpStatus = this.headersSent ? this.statusCode : 0;
    if (record.transport !== "rest" && record.rpcCode === undefined && record.rpc !== undefined) record.rpcCode = earlyCode(record.httpStatus, this.getHeader("grpc-status"));
    close(record);
  }

  return {
    begin(request, response) {
      const record = open(request.headers["x-request-id"], "rest", request.method ?? "GET");
      // The listener's HTTP/1.1 response writes the id with the head; any other gets it set now.
      if (!(response instanceof RecordedResponse)) response.setHeader("x-request-id", record.id);
      (response as Recorded).record = record;
      response.on("close", responseClosed);
      return record;
    },
    rpc(record, request, path) {
      record.transport = transportOf(request.headers["content-type"]);
      name(record, path);
    },
    beginStream(stream, headers, path) {
      const record = open(headers["x-request-id"], "grpc", String(headers[":method"] ?? "POST"));
      name(record, path);
      stream.once("close", () => {
        record.httpStatus = stream.headersSent ? Number(stream.sentHeaders[":status"] ?? 200) : 0;
        if (record.rpcCode === undefined) record.rpcCode = earlyCode(record.httpStatus, sentStatus(stream));
        close(record);
      });
      return record;
    },
    scoped: scoping !== undefined,
    serve(record, headers, serve) {
      if (scoping === undefined) serve();
      else scoping.scope!(record, headers, serve);
    },
    // Without async/await: one promise per call fewer on the hot path.
    interceptor: (call) => (request) => {
      const record = request.contextValues.get(requestRecordKey);
      if (record === undefined) return call(request);
      return call(request).then(
        (answer) => {
          record.rpcCode = "ok";
          return answer;
        },
        (error: unknown) => {
          const failure = ConnectError.from(error);
          record.rpcCode = codeName(failure.code);
          if (failure.cause instanceof DomainError) record.reason = failure.cause.reason;
          throw error;
        },
      ) as ReturnType<typeof call>;
    },
  };
}

/** Puts `record` in `values` for the tracking interceptor; no record (tracking off) leaves them as they are. */
export function withRequestRecord(values: ContextValues, record: RequestRecord | undefined): ContextValues {
  return record === undefined ? values : values.set(requestRecordKey, record);
}

function transportOf(contentType: string | undefined): Transport {
  if (contentType === undefined) return "connect";
  if (contentType.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/** The grpc-status a stream answered with, in its trailers or (trailers-only) its headers. */
function sentStatus(stream: ServerHttp2Stream): OutgoingHttpHeaders[string] {
  return stream.sentTrailers?.["grpc-status"] ?? (stream.headersSent ? stream.sentHeaders["grpc-status"] : undefined);
}

/** Code names as gRPC spells them in lower case (`not_found`), by code. */
const codeNames = new Map<Code, string>(
  Object.entries(Code)
    .filter((entry): entry is [string, Code] => typeof entry[1] === "number")
    .map(([name, code]) => [code, name.replace(/(?<!^)([A-Z])/g, "_$1").toLowerCase()]),
);

/** The name of `code` in the request record (`not_found`). */
export function codeName(code: Code): string {
  return codeNames.get(code) ?? "unknown";
}

/**
 * The code of an RPC refused before it reached a handler (malformed, too large): a gRPC answer
 * carries `grpc-status` (in its trailers, or its headers when trailers-only); a Connect answer's
 * HTTP status says refused (4xx) or failed (5xx).
 */
function earlyCode(httpStatus: number, grpcStatus: OutgoingHttpHeaders[string]): string {
  if (grpcStatus !== undefined) return codeName(Number(grpcStatus) as Code);
  if (httpStatus >= 500) return "internal";
  if (httpStatus >= 400) return "invalid_argument";
  return "unknown";
}
