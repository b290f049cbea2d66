import { SpanKind, SpanStatusCode, trace, ROOT_CONTEXT, type Context, type Span, type TextMapGetter } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
} from "@opentelemetry/semantic-conventions";
import type { IncomingHttpHeaders } from "node:http";
import type { RequestRecord } from "../request-record.js";
import { tracesUrl, type TraceSettings } from "./trace-settings.js";
import type { Tracing } from "./tracing.port.js";

/** How long one export may take. */
const exportTimeoutMs = 5_000;

/** Reads `traceparent` and `tracestate` from Node's request headers (lower-cased names). */
const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/** The tracer over the OpenTelemetry SDK: a batch processor exporting OTLP over HTTP. */
export function createOtelTracing(settings: TraceSettings): Tracing {
  const exporterOptions = { url: tracesUrl(settings.endpoint), timeoutMillis: exportTimeoutMs };
  const exporter = settings.protocol === "http/json" ? new JsonExporter(exporterOptions) : new ProtobufExporter(exporterOptions);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000, exportTimeoutMillis: exportTimeoutMs })],
  });
  const tracer = provider.getTracer("tessera");
  // This App's own context manager, not the global one: several Apps may share a process (tests).
  const contexts = new AsyncLocalStorageContextManager().enable();
  const propagator = new W3CTraceContextPropagator();
  const spans = new WeakMap<RequestRecord, Span>();

  /** Runs `run` in a child span of the active one; `run`'s failure ends the span as an error. */
  const child = async <T>(name: string, kind: SpanKind, attributes: Record<string, string>, run: () => Promise<T>, parent: Context): Promise<T> => {
    const span = tracer.startSpan(name, { kind, attributes }, parent);
    try {
      return await contexts.with(trace.setSpan(parent, span), run);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : "error" });
      throw error;
    } finally {
      span.end();
    }
  };

  return {
    requests: {
      scope(record, headers, serve) {
        const parent = propagator.extract(ROOT_CONTEXT, headers, headerGetter);
        const span = tracer.startSpan(record.method, { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: record.method } }, parent);
        spans.set(record, span);
        contexts.with(trace.setSpan(parent, span), serve);
      },
      end(record) {
        const span = spans.get(record);
        if (span === undefined) return;
        spans.delete(record);
        span.updateName(spanName(record));
        span.setAttributes(requestAttributes(record));
        if (record.httpStatus === 0 || record.httpStatus >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    },
    queries: {
      query(operation, table, run) {
        const parent = contexts.active();
        if (trace.getSpan(parent) === undefined) return run();
        const attributes: Record<string, string> = { [ATTR_DB_SYSTEM_NAME]: "postgresql", [ATTR_DB_OPERATION_NAME]: operation };
        if (table !== undefined) attributes[ATTR_DB_COLLECTION_NAME] = table;
        return child(table === undefined ? operation : `${operation} ${table}`, SpanKind.CLIENT, attributes, run, parent);
      },
    },
    deliveries: {
      send(channel, run) {
        return child(`outbox send ${channel}`, SpanKind.PRODUCER, { "tessera.channel": channel }, async () => {
          const result = await run();
          trace.getSpan(contexts.active())?.setAttribute("tessera.outcome", result.outcome);
          return result;
        }, ROOT_CONTEXT);
      },
    },
    async shutdown(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      try {
        await Promise.race([provider.shutdown().catch(() => undefined), late]);
      } finally {
        clearTimeout(timer);
        contexts.disable();
      }
    },
  };
}

/** `POST /users/{user_id}` for REST, `package.Service/Method` for an RPC, the method alone when nothing matched. */
function spanName(record: RequestRecord): string {
  return record.route === "unmatched" ? record.method : record.route;
}

/** The span's attributes: names and codes only, never a raw path, a query string or a header value. */
function requestAttributes(record: RequestRecord): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: record.httpStatus,
    "tessera.product": record.product,
    "tessera.transport": record.transport,
    "tessera.request_id": record.id,
  };
  if (record.transport === "rest" && record.route !== "unmatched") attributes[ATTR_HTTP_ROUTE] = record.route.slice(record.route.indexOf(" ") + 1);
  if (record.rpc !== undefined) {
    const slash = record.rpc.lastIndexOf("/");
    attributes["rpc.system"] = record.transport === "rest" ? "connect_rpc" : record.transport === "connect" ? "connect_rpc" : "grpc";
    attributes["rpc.service"] = record.rpc.slice(0, slash);
    attributes["rpc.method"] = record.rpc.slice(slash + 1);
  }
  if (record.rpcCode !== undefined) attributes["tessera.rpc_code"] = record.rpcCode;
  if (record.reason !== undefined) attributes["tessera.reason"] = record.reason;
  return attributes;
}
