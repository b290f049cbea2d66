import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status, type HealthCheckRequest } from "../../gen/es/grpc/health/v1/health_pb.js";
import { registerService, type ServiceRegistration } from "../transport/services.js";
import type { HealthMonitor, ServingStatus } from "./health-monitor.js";

/**
 * `grpc.health.v1.Health` (https://github.com/grpc/grpc/blob/master/doc/health-checking.md): the
 * status of the server (`""`) and of each service it serves, all NOT_SERVING while a readiness
 * check fails (the database, migrations, signing keys: every service needs them). Check answers
 * NOT_FOUND for a service not served; Watch streams the status at once and on every change, and
 * SERVICE_UNKNOWN for a service not served.
 */
export function healthService(monitor: HealthMonitor, served: readonly string[]): ServiceRegistration {
  const known = new Set(["", ...served, Health.typeName]);
  const toStatus = (status: ServingStatus) => (status === "serving" ? Status.SERVING : Status.NOT_SERVING);
  return registerService(Health, {
    async check(request: HealthCheckRequest) {
      if (!known.has(request.service)) throw new ConnectError(`unknown service ${request.service}`, Code.NotFound);
      const readiness = await monitor.check();
      return { status: readiness.ready ? Status.SERVING : Status.NOT_SERVING };
    },
    async list() {
      const readiness = await monitor.check();
      const status = readiness.ready ? Status.SERVING : Status.NOT_SERVING;
      return { statuses: Object.fromEntries([...known].map((service) => [service, { status }])) };
    },
    async *watch(request: HealthCheckRequest, context: HandlerContext) {
      const signal = AbortSignal.any([context.signal, monitor.stopped]);
      if (!known.has(request.service)) {
        yield { status: Status.SERVICE_UNKNOWN };
        // The spec keeps the stream open: the service may appear later (it does not here).
        await aborted(signal);
        return;
      }
      const queue: ServingStatus[] = [];
      let wake: (() => void) | undefined;
      const unwatch = monitor.watch((status) => {
        queue.push(status);
        wake?.();
      });
      const onAbort = () => wake?.();
      signal.addEventListener("abort", onAbort);
      try {
        while (!signal.aborted) {
          const next = queue.shift();
          if (next !== undefined) {
            yield { status: toStatus(next) };
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        unwatch();
        signal.removeEventListener("abort", onAbort);
      }
    },
  });
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}
