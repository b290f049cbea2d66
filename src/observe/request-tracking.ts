import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import { performance } from "node:perf_hooks";
import { DomainError } from "../core/errors/domain-error.js";
import { productOf } from "./product.js";
import { requestIdFrom } from "./request-id.js";
import type { RequestObserver, RequestRecord, Transport } from "./request-record.js";

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

/**
 * Begins and ends the record of every request for the observers, and carries it to the RPC
 * interceptor: the listener tags each RPC request with an internal header (any such header from
 * the client is overwritten) by which the interceptor finds the record, since connect-node hands
 * an interceptor neither the Node request nor context values the caller can set.
 */
export interface RequestTracking {
  /** Starts the record of a request (echoing its request id in `X-Request-Id`); ends it when the response closes. */
  begin(request: Request, response: Response): RequestRecord;
  /**
   * Starts the record of a unary gRPC call served on the HTTP/2 stream itself (no compatibility
   * request or response exists), tags its headers for the interceptor, ends it when the stream closes.
   */
  stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): RequestRecord;
  /** Runs `serve` inside the observers' scope of the request (a tracer's span), or just runs it when none has one. */
  serve(record: RequestRecord, headers: IncomingHttpHeaders, serve: () => void): void;
  /** Names the RPC a request to a service path calls (a path no RPC serves stays `unmatched`) and tags it for the interceptor. */
  rpc(record: RequestRecord, request: Request, path: string): void;
  /** The outermost Connect interceptor: records the RPC's code and refusal reason. */
  readonly interceptor: Interceptor;
}

/** The internal header that carries a record's key from the listener to the interceptor. */
const recordHeader = "tessera-internal-request-record";

/** Creates the tracking of the RPCs `methods` for `observers`. */
export function createRequestTracking(observers: readonly RequestObserver[], methods: Iterable<DescMethod>): RequestTracking {
  const rpcs = new Map<string, { route: string; product: string }>();
  for (const method of methods) {
    const route = `${method.parent.typeName}/${method.name}`;
    rpcs.set(`/${route}`, { route, product: productOf(method) });
  }
  const beginners = observers.filter((observer) => observer.begin !== undefined);
  const scoping = observers.find((observer) => observer.scope !== undefined);
  const open = new Map<string, RequestRecord>();
  const keys = new WeakMap<RequestRecord, string>();
  let next = 0;

  /** Ends a record: `httpStatus` is 0 when no answer went out; `grpcStatus` a trailers-only answer's header. */
  const end = (record: RequestRecord, httpStatus: number, grpcStatus: unknown) => {
    const key = keys.get(record);
    if (key !== undefined) open.delete(key);
    record.httpStatus = httpStatus;
    if (record.transport !== "rest" && record.rpcCode === undefined && record.rpc !== undefined) record.rpcCode = earlyCode(record, grpcStatus);
    record.durationMs = performance.now() - record.startedAt;
    for (const observer of observers) observer.end(record);
  };

  const start = (requestId: string | string[] | undefined, method: string): RequestRecord => {
    const record: RequestRecord = {
      id: requestIdFrom(requestId),
      startedAt: performance.now(),
      transport: "rest",
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

  /** Names the RPC of `path` on the record and tags `headers` with the record's key for the interceptor. */
  const name = (record: RequestRecord, headers: IncomingHttpHeaders, path: string) => {
    record.transport = transportOf(headers["content-type"]);
    const known = rpcs.get(path);
    if (known !== undefined) {
      record.route = known.route;
      record.rpc = known.route;
      record.product = known.product;
    }
    const key = String(next++);
    open.set(key, record);
    keys.set(record, key);
    headers[recordHeader] = key;
  };

  return {
    begin(request, response) {
      const record = start(request.headers["x-request-id"], request.method ?? "GET");
      response.setHeader("x-request-id", record.id);
      response.once("close", () => end(record, response.headersSent ? response.statusCode : 0, response.getHeader("grpc-status")));
      return record;
    },
    stream(stream, headers) {
      const record = start(headers["x-request-id"], String(headers[":method"] ?? "POST"));
      const path = String(headers[":path"] ?? "/");
      name(record, headers, path.split("?", 1)[0]!);
      stream.once("close", () => {
        const sent = stream.headersSent ? stream.sentHeaders : undefined;
        end(record, Number(sent?.[":status"] ?? 0), sent?.["grpc-status"]);
      });
      return record;
    },
    serve(record, headers, serve) {
      if (scoping === undefined) serve();
      else scoping.scope!(record, headers, serve);
    },
    rpc(record, request, path) {
      name(record, request.headers, path);
    },
    interceptor: (call) => async (request) => {
      const key = request.header.get(recordHeader);
      const record = key === null ? undefined : open.get(key);
      request.header.delete(recordHeader);
      if (record === undefined) return call(request);
      try {
        const answer = await call(request);
        record.rpcCode = "ok";
        return answer;
      } catch (error) {
        const failure = ConnectError.from(error);
        record.rpcCode = codeName(failure.code);
        if (failure.cause instanceof DomainError) record.reason = failure.cause.reason;
        throw error;
      }
    },
  };
}

function transportOf(contentType: string | undefined): Transport {
  if (contentType === undefined) return "connect";
  if (contentType.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/** Code names as gRPC spells them in lower case (`not_found`), by code. */
const codeNames = new Map<Code, string>(
  Object.entries(Code)
    .filter((entry): entry is [string, Code] => typeof entry[1] === "number")
    .map(([name, code]) => [code, name.replace(/(?<!^)([A-Z])/g, "_$1").toLowerCase()]),
);

function codeName(code: Code): string {
  return codeNames.get(code) ?? "unknown";
}

/**
 * The code of an RPC refused before it reached a handler (malformed, too large): a gRPC
 * trailers-only answer carries `grpc-status` in its headers; a Connect answer's HTTP status says
 * refused (4xx) or failed (5xx).
 */
function earlyCode(record: RequestRecord, grpcStatus: unknown): string {
  if (grpcStatus !== undefined) return codeName(Number(grpcStatus) as Code);
  if (record.httpStatus >= 500) return "internal";
  if (record.httpStatus >= 400) return "invalid_argument";
  return "unknown";
}
