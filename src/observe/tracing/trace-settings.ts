/** Where and how traces are exported (OTLP over HTTP), from the OTEL_* variables. */
export interface TraceSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `{endpoint}/v1/traces`. */
  endpoint: string;
  /** OTEL_EXPORTER_OTLP_PROTOCOL: `http/protobuf` (default) or `http/json`. */
  protocol: "http/protobuf" | "http/json";
  /** OTEL_SERVICE_NAME, default `tessera`. */
  serviceName: string;
}

/** The OTLP/HTTP traces URL of a base endpoint, as the OpenTelemetry specification builds it. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, "")}/v1/traces`;
}
