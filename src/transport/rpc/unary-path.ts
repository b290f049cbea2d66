import type { DescMessage, DescMethodUnary } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { createMethodSerializationLookup } from "@connectrpc/connect/protocol";
import { parseContentType } from "@connectrpc/connect/protocol-connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { Logger } from "../../log.js";
import type { RequestRecord } from "../../observe/request-record.js";
import type { RequestTracking } from "../../observe/request-tracking.js";
import type { ClientOf } from "../client-of.js";
import type { ServiceRegistration } from "../services.js";
import { serveConnect } from "./connect-unary.js";
import { DeadlineSweep } from "./deadline-sweep.js";
import { serveGrpc } from "./grpc-unary.js";
import { composeUnaryChain, type UnaryImplementation } from "./unary-call.js";
import type { UnaryPathSettings, UnarySite } from "./unary-site.js";

/** What the unary path serves. */
export interface UnaryPathOptions {
  services: readonly ServiceRegistration[];
  /** The interceptors every RPC goes through, outermost first (the same as connect-node's). */
  interceptors: readonly Interceptor[];
  readMaxBytes: number;
  logger: Logger;
  /** Who sent a call (IP address, User-Agent), for the handler's context. */
  clientOf: ClientOf;
  /** Begins the record of each gRPC call served on the stream; none when requests are not tracked. */
  tracking: Pick<RequestTracking, "beginStream" | "scoped" | "serve"> | undefined;
  /** The timer of every call's deadline (tests inject a clock through it). */
  deadlines?: DeadlineSweep;
}

/** Each serves a call and returns true, or returns false and leaves it to connect-node. */
export interface UnaryPath {
  /** Connect unary calls, HTTP/1.1 and HTTP/2, with the record the listener began for the request. */
  request(request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse, record: RequestRecord | undefined): boolean;
  /** Unary gRPC calls, on the HTTP/2 stream before Node's compatibility layer. */
  stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean;
}

/** Binary gRPC over HTTP/2 (`application/grpc`, `application/grpc+proto`). */
const grpcContentType = /^application\/grpc(?:\+proto)?(?:;.*)?$/i;

/**
 * The unary RPCs of `services` over binary gRPC and Connect POST (JSON and binary), answered
 * beside connect-node without its per-call machinery (async-iterable pipes, an AbortController
 * and header conversions per call), through the same interceptors and the same error
 * encoding. Everything else goes on to connect-node: streaming RPCs, gRPC-Web, gRPC with JSON,
 * Connect GET and streaming content types, and methods no implementation serves.
 */
export function createUnaryPath(options: UnaryPathOptions): UnaryPath {
  const settings: UnaryPathSettings = {
    chain: composeUnaryChain(options.interceptors),
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
    compressMinBytes: 1024,
    logger: options.logger,
    deadlines: options.deadlines ?? new DeadlineSweep(),
    clientOf: options.clientOf,
    negotiated: new Map(),
  };
  const sites = new Map<string, UnarySite>();
  for (const { service, implementation } of options.services) {
    for (const method of service.methods) {
      const fn = (implementation as Record<string, unknown>)[method.localName];
      if (method.methodKind !== "unary" || typeof fn !== "function") continue;
      const unary = method as DescMethodUnary;
      sites.set(`/${service.typeName}/${method.name}`, {
        method: unary,
        implementation: fn.bind(implementation) as UnaryImplementation,
        streamError: (error: Error) => options.logger.debug("grpc stream error", { method: unary.name, error: error.message }),
        serialization: createMethodSerializationLookup(unary as DescMethodUnary<DescMessage, DescMessage>, undefined, undefined, { readMaxBytes: options.readMaxBytes, writeMaxBytes: 0xffffffff }),
      });
    }
  }
  const find = (url: string): UnarySite | undefined => {
    const queryAt = url.indexOf("?");
    return sites.get(queryAt < 0 ? url : url.slice(0, queryAt));
  };
  return {
    request(request, response, record) {
      if (request.method !== "POST") return false;
      const site = find(request.url ?? "/");
      if (site === undefined) return false;
      const connect = parseContentType(request.headers["content-type"] ?? "");
      if (connect === undefined || connect.stream) return false;
      serveConnect(site, connect.binary, request, response, settings, record);
      return true;
    },
    stream(stream, headers) {
      if (headers[":method"] !== "POST" || !grpcContentType.test(headers["content-type"] ?? "")) return false;
      const path = String(headers[":path"] ?? "/");
      const site = find(path);
      if (site === undefined) return false;
      const queryAt = path.indexOf("?");
      const tracking = options.tracking;
      if (tracking === undefined) {
        serveGrpc(site, stream, headers, settings, undefined);
        return true;
      }
      const record = tracking.beginStream(stream, headers, queryAt < 0 ? path : path.slice(0, queryAt));
      if (tracking.scoped) tracking.serve(record, headers, () => serveGrpc(site, stream, headers, settings, record));
      else serveGrpc(site, stream, headers, settings, record);
      return true;
    },
  };
}
