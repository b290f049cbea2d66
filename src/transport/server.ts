import { Code, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../log.js";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { RequestObserver, RequestRecord } from "../observe/request-record.js";
import { createRequestTracking } from "../observe/request-tracking.js";
import { createClientOf } from "./client-of.js";
import type { ClientLimitGate } from "./client-limit-gate.js";
import { createCors, isUnsafeMethod } from "./cors.js";
import { createCredentialGate } from "./credentials/credential-gate.js";
import type { CredentialResolvers } from "./credentials/credential-gate.js";
import type { DialectTable } from "./dialect-table.js";
import { toConnectError } from "./error-codes.js";
import { createListener, type Listener, type RequestHandler } from "./listener.js";
import { reflectionService } from "./reflection.js";
import { createRpcAdapter } from "./rpc-adapter.js";
import { answerEarly, type EarlyRefusal } from "./rpc/early-answer.js";
import { looksLikeRpc } from "./rpc/rpc-shape.js";
import { createUnaryPath } from "./rpc/unary-path.js";
import { maxBodyBytes } from "./read-body.js";
import { createRouteTable } from "./rest/route-table.js";
import { createTranscoder } from "./rest/transcoder.js";
import type { StaticSite } from "./static-site.js";
import { implementationIndex, type ServiceRegistration } from "./services.js";
import { withClientScope } from "./client-scope.js";

/** What the server serves and how. */
export interface ServerOptions {
  services: readonly ServiceRegistration[];
  logger: Logger;
  corsOrigins: readonly string[];
  /** The server's own origins (`ORIGIN`): a request from one is same-origin, not a CORS call. */
  ownOrigins?: readonly string[];
  secureCookies: boolean;
  /** The error dialects REST routes declare. */
  dialects: DialectTable;
  /** The resolver of each credential scheme the RPCs declare. */
  credentials: CredentialResolvers;
  /** Per-client-address limits of unauthenticated entry points, counted before the handler; none when unset. */
  clientLimits?: ClientLimitGate;
  /** Services served over gRPC and Connect only, outside the credential gate (grpc.health.v1). */
  rpcOnlyServices?: readonly ServiceRegistration[];
  /** What watches each request (the request log, the metrics); none means no request is tracked. */
  observers?: readonly RequestObserver[];
  /**
   * Proxies in front of the server that append to `X-Forwarded-For` (TRUST_PROXY); 0 means the
   * client is the socket's peer and the header is ignored.
   */
  trustedProxies?: number;
  /** Idle time before an HTTP/2 session without streams is closed (tests shorten it). */
  idleTimeoutMs?: number;
  /** Static files served before REST routes (the demo web app at /demo/). */
  site?: StaticSite;
  /** REST requests are read strictly (see DecodeOptions.strict): the admin API's; unset is lenient. */
  strictRest?: boolean;
}

/** The request handling of a server, apart from its listener: the management port mounts one. */
export interface ServerRequestHandler {
  /** Serves one request (REST, or an RPC of the registered services). */
  handle: RequestHandler;
  /** The unary gRPC path on a raw HTTP/2 stream; false leaves the stream to `handle`. */
  stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean;
  /** Whether `path` names one of the services served over RPC (`/tessera.x.v1.XService/Method`). */
  servesRpc(path: string): boolean;
}

/**
 * Builds the one listener: for paths that name a service (`/tessera.x.v1.XService/Method`),
 * unary gRPC and Connect calls through the unary path and the rest (streaming, gRPC-Web,
 * Connect GET) through connect-node, both with the same interceptors; REST through the
 * transcoder for the rest.
 */
export function createServer(options: ServerOptions): Listener {
  const handler = createServerRequestHandler(options);
  return createListener(handler.handle, { logger: options.logger, maxBodyBytes, idleTimeoutMs: options.idleTimeoutMs, http2Stream: handler.stream });
}

/** What `createServer` serves, without the listener. */
export function createServerRequestHandler(options: ServerOptions): ServerRequestHandler {
  const { logger } = options;
  // Every call runs in its client's scope: the audit events it records name the caller.
  const services = options.services.map(withClientScope);
  const clientOf = createClientOf(options.trustedProxies ?? 0);
  const errors: Interceptor = (next) => (request) =>
    next(request).catch((error: unknown) => {
      throw toConnectError(error, logger);
    }) as ReturnType<typeof next>;
  const gate = createCredentialGate(
    services.flatMap((registration) => registration.service.methods),
    options.credentials,
  );
  // Inside `errors`, so that a refused credential is mapped like any other error.
  // A method that declares no credential goes straight on: its request headers are never built.
  const credentials: Interceptor = (next) => (request) => {
    if (request.stream || !gate.declares(request.method)) return next(request);
    return gate(request.method, request.header, request.message, request.contextValues).then(() => next(request));
  };
  const clientGate = options.clientLimits ?? noClientLimits;
  // After the credentials, like the REST transcoder: a limited call is counted once it is decoded.
  const clientLimit: Interceptor = (next) => (request) => {
    if (request.stream || !clientGate.limits(request.method)) return next(request);
    return clientGate.enforce(request.method, request.contextValues).then(() => next(request));
  };
  const rpcOnly = (options.rpcOnlyServices ?? []).map(withClientScope);
  const reflected = [...services, ...rpcOnly].map((registration) => registration.service);
  const rpcServices = [...services, ...rpcOnly, reflectionService(reflected)];
  const observers = options.observers ?? [];
  const tracking = observers.length === 0 ? undefined : createRequestTracking(observers, rpcServices.flatMap((registration) => registration.service.methods));
  // The tracking interceptor is outermost: it sees the code and reason a client gets.
  const interceptors = [...(tracking === undefined ? [] : [tracking.interceptor]), errors, credentials, clientLimit];
  const connect = createRpcAdapter({
    routes: (router: ConnectRouter) => {
      for (const { service, implementation } of rpcServices) router.service(service, implementation);
    },
    interceptors,
    readMaxBytes: maxBodyBytes,
    logger,
    clientOf,
  });
  // Unary gRPC and Connect calls of the registered services, through the same interceptors.
  const unary = createUnaryPath({ services, interceptors, readMaxBytes: maxBodyBytes, logger, clientOf, tracking });
  const serviceNames = new Set(rpcServices.map((registration) => registration.service.typeName));
  const rest = createTranscoder({
    routes: createRouteTable(services.map((registration) => registration.service), options.dialects),
    implementation: implementationIndex(services),
    credentials: gate,
    clientLimits: clientGate,
    logger,
    secureCookies: options.secureCookies,
    clientOf,
    strict: options.strictRest === true,
  });
  const cors = createCors(options.corsOrigins, logger, options.ownOrigins);
  const route = (request: Http2ServerRequest | IncomingMessage, response: Http2ServerResponse | ServerResponse, record: RequestRecord | undefined): void => {
    const verdict = cors(request, response);
    if (verdict === "answered") return;
    // A page of a refused origin may still send a form or a simple fetch, with the cookies of
    // its site: refused here, once for every route, before anything is read or written.
    const originRefused = verdict === "refused" && isUnsafeMethod(request.method);
    const url = request.url ?? "/";
    const rpc = servesRpc(url);
    if (rpc || looksLikeRpc(url, request.headers["content-type"])) {
      if (rpc && record !== undefined) tracking!.rpc(record, request, url.split("?", 1)[0]!);
      if (originRefused) answerEarly(originNotAllowed, request, response);
      else if (!rpc || !unary.request(request, response, record)) connect(request, response, record);
    } else if (options.site === undefined || !options.site(request, response)) rest(request, response, record, originRefused);
  };
  const servesRpc = (path: string) => {
    const end = path.indexOf("/", 1);
    return end > 1 && serviceNames.has(path.slice(1, end));
  };
  return {
    handle: (request, response) => {
      if (tracking === undefined) return route(request, response, undefined);
      const record = tracking.begin(request, response);
      if (tracking.scoped) tracking.serve(record, request.headers, () => route(request, response, record));
      else route(request, response, record);
    },
    // A call that names an origin goes the compatibility path, through CORS (Node's gRPC clients send none).
    stream: (stream, headers) => headers.origin === undefined && unary.stream(stream, headers),
    servesRpc,
  };
}

/** An unsafe RPC from a browser page whose origin CORS refuses (see createCors). */
const originNotAllowed: EarlyRefusal = {
  code: Code.PermissionDenied,
  message: "this origin may not call the API: add it to CORS_ORIGINS",
  reason: "ORIGIN_NOT_ALLOWED",
  connectStatus: 403,
};

/** No RPC is limited per client. */
const noClientLimits: ClientLimitGate = { limits: () => false, enforce: () => Promise.resolve() };
