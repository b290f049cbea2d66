import type { ConnectRouter } from "@connectrpc/connect";
import type { Logger } from "../log.js";
import type { OpenApiDocument, OpenApiDocuments } from "../transport/openapi-document.js";
import { createClientOf } from "../transport/client-of.js";
import { createListener, type Listener, type RequestHandler } from "../transport/listener.js";
import { createRpcAdapter } from "../transport/rpc-adapter.js";
import type { ServiceRegistration } from "../transport/services.js";
import { CredentialScheme } from "../../gen/es/tessera/rest/v1/rest_pb.js";
import type { CredentialResolver } from "../core/credentials/credential-resolver.js";
import type { RequestObserver } from "../observe/request-record.js";
import { looksLikeRpc } from "../transport/rpc/rpc-shape.js";
import { createServerRequestHandler } from "../transport/server.js";
import { adminDialect } from "./admin-dialect.js";
import type { AdminPrincipal } from "./admin-key.js";
import type { HealthMonitor } from "./health-monitor.js";

/** What `GET /metrics` answers: this process's registry, or with workers the whole cluster's. */
export interface MetricsText {
  readonly contentType: string;
  /** The metrics in Prometheus text. */
  collect(): Promise<string>;
}

/** What the management port serves. */
export interface AdminServerOptions {
  metrics: MetricsText;
  monitor: HealthMonitor;
  /** `grpc.health.v1.Health`, the same registration the main port serves. */
  health: ServiceRegistration;
  /** The OpenAPI documents, loaded at start. */
  openApi: OpenApiDocuments;
  /** tessera.admin.v1.AdminService and the resolver of its admin key. */
  adminApi: { registration: ServiceRegistration; adminKey: CredentialResolver<AdminPrincipal> };
  /** What watches each admin API request (the request log, the metrics). */
  observers?: readonly RequestObserver[];
  logger: Logger;
  /** Idle time before an HTTP/2 session without streams is closed (tests shorten it). */
  idleTimeoutMs?: number;
}

type Response = Parameters<RequestHandler>[1];

/** The management port's own paths (the gRPC health service and the per-product documents aside). */
const paths = ["/health/alive", "/health/ready", "/metrics", "/openapi.json"] as const;

/** The REST paths of the admin API. */
const adminRestPrefix = "/admin/";

/** `/openapi/<product>.json`: one product's OpenAPI document. */
const productDocumentPath = /^\/openapi\/([a-z]+)\.json$/;

/**
 * The management port (ADMIN_PORT): `GET /health/alive` (200 while the process serves),
 * `GET /health/ready` (200 when the database answers, migrations are current and the signing
 * keys load; else 503 `{status: "unavailable", checks}`), `GET /metrics` (Prometheus text) and
 * `grpc.health.v1.Health` over gRPC and Connect, and the OpenAPI 3.1 documents generated from
 * proto/: `GET /openapi.json` (every REST route) and `GET /openapi/<product>.json`. Anything else is a JSON 404 (405 for a wrong
 * method); no request body is ever read. `tessera.admin.v1.AdminService` is served here too, over
 * gRPC, Connect and REST under `/admin/` (errors `{error, message}`), through the same transcoder
 * and RPC paths as the main port, with the admin key checked by the credential gate.
 */
export function createAdminServer(options: AdminServerOptions): Listener {
  const { metrics, monitor, logger } = options;
  const healthPrefix = `/${options.health.service.typeName}/`;
  const rpc = createRpcAdapter({
    routes: (router: ConnectRouter) => router.service(options.health.service, options.health.implementation),
    interceptors: [],
    readMaxBytes: 4096,
    logger,
    clientOf: createClientOf(0),
  });
  const admin = createServerRequestHandler({
    services: [options.adminApi.registration],
    logger,
    corsOrigins: [],
    secureCookies: false,
    dialects: { forRule: () => adminDialect, fallback: adminDialect },
    credentials: { [CredentialScheme.ADMIN_KEY]: options.adminApi.adminKey },
    observers: options.observers,
    // Scripts call the admin API: a misspelt filter or a form body is refused, never ignored.
    strictRest: true,
  });
  const handle: RequestHandler = (request, response) => {
    const path = (request.url ?? "/").split("?", 1)[0]!;
    if (path.startsWith(healthPrefix)) return rpc(request, response);
    // An RPC of a service not served here is answered UNIMPLEMENTED in its protocol there.
    if (path.startsWith(adminRestPrefix) || admin.servesRpc(path) || looksLikeRpc(path, request.headers["content-type"])) return admin.handle(request, response);
    const productDocument = productDocumentPath.exec(path)?.[1];
    const document: OpenApiDocument | undefined = path === "/openapi.json" ? options.openApi.all : productDocument === undefined ? undefined : options.openApi.products.get(productDocument);
    const known = (paths as readonly string[]).includes(path) || document !== undefined;
    if (!known) {
      const served = [...paths, ...[...options.openApi.products.keys()].map((product) => `/openapi/${product}.json`)];
      return json(response, 404, { error: "not_found", message: `no such path; the management port serves ${served.join(", ")} grpc.health.v1.Health, tessera.admin.v1.AdminService and the admin API under /admin/` });
    }
    const verb = request.method ?? "GET";
    if (verb !== "GET" && verb !== "HEAD") return json(response, 405, { error: "method_not_allowed", message: `${verb} is not allowed here` }, { allow: "GET, HEAD" });
    const head = verb === "HEAD";
    if (document !== undefined) return send(response, 200, document.contentType, document.body, { "cache-control": "no-cache" }, head);
    if (path === "/health/alive") return json(response, 200, { status: "ok" }, {}, head);
    if (path === "/health/ready") {
      void monitor.check().then((readiness) => json(response, readiness.ready ? 200 : 503, { status: readiness.ready ? "ok" : "unavailable", checks: readiness.checks }, {}, head));
      return;
    }
    metrics.collect().then(
      (text) => send(response, 200, metrics.contentType, text, {}, head),
      (error: unknown) => {
        logger.warn("metrics scrape failed", { error: error instanceof Error ? error.message : String(error) });
        json(response, 500, { error: "internal", message: "metrics could not be collected" });
      },
    );
  };
  // Admin requests carry small bodies (a token to introspect, a webhook); the REST transcoder and
  // the RPC paths bound them again at their own limit.
  return createListener(handle, { logger, maxBodyBytes: 65_536, requestTimeoutMs: 10_000, idleTimeoutMs: options.idleTimeoutMs, http2Stream: (stream, headers) => admin.stream(stream, headers) });
}

function json(response: Response, status: number, body: unknown, headers: Record<string, string> = {}, head = false): void {
  send(response, status, "application/json; charset=utf-8", JSON.stringify(body), { "cache-control": "no-store", ...headers }, head);
}

function send(response: Response, status: number, contentType: string, text: string, headers: Record<string, string>, head: boolean): void {
  if (response.headersSent || response.destroyed) return;
  const body = Buffer.from(text);
  response.writeHead(status, { "content-type": contentType, "content-length": String(body.length), ...headers });
  if (head) response.end();
  else response.end(body);
}
