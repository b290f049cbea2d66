import type { DeliveryTrace } from "../../delivery/outbox-worker.js";
import type { QueryObserver } from "../../store/observed-dialect.js";
import type { RequestObserver } from "../request-record.js";

/** Trace export: what the listener, the database and the outbox report their spans to. */
export interface Tracing {
  /** One server span per request, its context active while the request is served. */
  readonly requests: RequestObserver;
  /** One child span per query run inside a span (queries outside any are not traced). */
  readonly queries: QueryObserver;
  /** One span per outbox send. */
  readonly deliveries: DeliveryTrace;
  /** Exports the spans still buffered, waiting at most `timeoutMs`, and stops. */
  shutdown(timeoutMs: number): Promise<void>;
}
