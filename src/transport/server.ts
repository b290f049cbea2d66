import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import type { Logger } from "../log.js";
import type { RequestObserver, RequestRecord } from "../observe/request-record.js";
import { createRequestTracking } from "../observe/request-tracking.js";
import { createCors } from "./cors.js";
import { createCredentialGate } from "./credentials/credential-gate.js";
import type { CredentialResolvers } from "./credentials/credential-resolver.js";
import type { DialectTable } from "./dialects/index.js";
import { toConnectError } from "./error-codes.js";
import { createListener, type Listener, type RequestHandler } from "./listener.js";
import { reflectionService } from "./reflection.js";
import { createRpcAdapter } from "./rpc-adapter.js";
import { createUnaryPath } from "./rpc/unary-path.js";
import { maxBodyBytes } from "./rest/read-body.js";
import { createRouteTable } from "./rest/route-table.js";
import { createTranscoder } from "./rest/transcoder.js";
import { implementationIndex, type ServiceRegistration } from "./services.js";

/** What the server serves and how. */
export interface ServerOptions {
  services: readonly ServiceRegistration[];
  logger: Logger;
  corsOrigins: readonly string[];
  secureCookies: boolean;
  /** The error dialects REST routes declare. */
  dialects: DialectTable;
  /** The resolver of each credential scheme the RPCs declare. */
  credentials: CredentialResolvers;
  /** Services served over gRPC and Connect only, outside the credential gate (grpc.health.v1). */
  rpcOnlyServices?: readonly ServiceRegistration[];
  /** What watches each request (the request log, the metrics); none means no request is tracked. */
  observers?: readonly RequestObserver[];
}

/**
 * Builds the one listener: for paths that name a service (`/tessera.x.v1.XService/Method`),
 * unary gRPC and Connect calls through the unary path and the rest (streaming, gRPC-Web,
 * Connect GET) through connect-node, both with the same interceptors; REST through the
 * transcoder for the rest.
 */
export function createServer(options: ServerOptions): Listener {
  const { services, logger } = options;
  const errors: Interceptor = (next) => async (request) => {
    try {
      return await next(request);
    } catch (error) {
      throw toConnectError(error, logger);
    }
  };
  const gate = createCredentialGate(
    services.flatMap((registration) => registration.service.methods),
    options.credentials,
  );
  // Inside `errors`, so that a refused credential is mapped like any other error.
  const credentials: Interceptor = (next) => async (request) => {
    if (!request.stream) await gate(request.method, request.header, request.message, request.contextValues);
    return next(request);
  };
  const rpcOnly = options.rpcOnlyServices ?? [];
  const reflected = [...services, ...rpcOnly].map((registration) => registration.service);
  const rpcServices = [...services, ...rpcOnly, reflectionService(reflected)];
  const observers = options.observers ?? [];
  const tracking = observers.length === 0 ? undefined : createRequestTracking(observers, rpcServices.flatMap((registration) => registration.service.methods));
  // The tracking interceptor is outermost: it sees the code and reason a client gets.
  const interceptors = [...(tracking === undefined ? [] : [tracking.interceptor]), errors, credentials];
  const connect = createRpcAdapter({
    routes: (router: ConnectRouter) => {
      for (const { service, implementation } of rpcServices) router.service(service, implementation);
    },
    interceptors,
    readMaxBytes: maxBodyBytes,
    logger,
  });
  // Unary gRPC and Connect calls of the registered services, through the same interceptors.
  const unary = createUnaryPath({ services, interceptors, readMaxBytes: maxBodyBytes, logger });
  const serviceNames = new Set(rpcServices.map((registration) => registration.service.typeName));
  const rest = createTranscoder({
    routes: createRouteTable(services.map((registration) => registration.service), options.dialects),
    implementation: implementationIndex(services),
    credentials: gate,
    logger,
    secureCookies: options.secureCookies,
  });
  const cors = createCors(options.corsOrigins);
  const route = (request: Parameters<RequestHandler>[0], response: Parameters<RequestHandler>[1], record: RequestRecord | undefined) => {
    if (cors(request, response)) return;
    const url = request.url ?? "/";
    const end = url.indexOf("/", 1);
    if (end > 1 && serviceNames.has(url.slice(1, end))) {
      if (record !== undefined) tracking!.rpc(record, request, url.split("?", 1)[0]!);
      if (!unary.request(request, response)) connect(request, response);
    } else rest(request, response, record);
  };
  if (tracking === undefined) {
    return createListener((request, response) => route(request, response, undefined), { logger, maxBodyBytes, http2Stream: (stream, headers) => unary.stream(stream, headers) });
  }
  return createListener(
    (request, response) => {
      const record = tracking.begin(request, response);
      tracking.serve(record, request.headers, () => route(request, response, record));
    },
    {
      logger,
      maxBodyBytes,
      http2Stream: (stream, headers) => {
        if (!unary.takesStream(headers)) return false;
        const record = tracking.stream(stream, headers);
        tracking.serve(record, headers, () => unary.stream(stream, headers));
        return true;
      },
    },
  );
}
