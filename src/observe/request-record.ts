import type { IncomingHttpHeaders } from "node:http";
import type { Reason } from "../core/errors/reasons.js";

/** How a request reached the server. */
export type Transport = "rest" | "grpc" | "grpc-web" | "connect";

/**
 * What the server knows of one request, filled in as it is served: the listener begins it, the
 * REST transcoder or the RPC interceptor names the route and the refusal, the listener ends it
 * when the response is written. Observers (the request log, the metrics, a tracer) read it at
 * begin and end; none of its fields ever holds a secret or a raw path.
 */
export interface RequestRecord {
  /** The accepted `X-Request-Id`, or one generated here; echoed in the response. */
  readonly id: string;
  /** `performance.now()` at begin. */
  readonly startedAt: number;
  transport: Transport;
  /** The HTTP method (`GET`, `POST`, …). */
  readonly method: string;
  /** hanko, jincor, authfi, authentiq, authenticator; `tessera` for Tessera's own services; `none` when no route matched. */
  product: string;
  /** The route template (`POST /users/{user_id}`) or the RPC (`tessera.session.v1.SessionService/GetJwks`); `unmatched` when none. */
  route: string;
  /** The RPC served (for REST, the one the route calls), `package.Service/Method`; undefined when none. */
  rpc: string | undefined;
  /** HTTP status of the answer (0 when the connection broke first). */
  httpStatus: number;
  /** gRPC/Connect code name of an RPC (`ok`, `not_found`, …); undefined for REST. */
  rpcCode: string | undefined;
  /** The reason of a refusal, from the closed union. */
  reason: Reason | undefined;
  /** Set at end. */
  durationMs: number;
}

/** Watches requests: the request log, the metrics and a tracer each implement it. */
export interface RequestObserver {
  /** Called when a request arrives, before routing (route and product are not known yet). */
  begin?(record: RequestRecord): void;
  /**
   * Serves the request inside what this observer needs around it (a tracer's span as the
   * active context), called once right after begin. `headers` are read for W3C trace context
   * only (`traceparent`, `tracestate`), never recorded.
   */
  scope?(record: RequestRecord, headers: IncomingHttpHeaders, serve: () => void): void;
  /** Called once the response is written or the connection closed. */
  end(record: RequestRecord): void;
}
