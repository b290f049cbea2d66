import type { TraceSettings } from "./trace-settings.js";
import type { Tracing } from "./tracing.port.js";

/**
 * Starts trace export to `settings.endpoint`. The OpenTelemetry SDK is imported here only, so
 * that a server without OTEL_EXPORTER_OTLP_ENDPOINT never loads it.
 */
export async function startTracing(settings: TraceSettings): Promise<Tracing> {
  const { createOtelTracing } = await import("./otel-tracing.js");
  return createOtelTracing(settings);
}
