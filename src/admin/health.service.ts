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
      // Listeners are removed at the end of each watch (AbortSignal.any would keep one per watch on `stopped`).
      const signals = [context.signal, monitor.stopped];
      const ended = () => signals.some((signal) => signal.aborted);
      if (!known.has(request.service)) {
        yield { status: Status.SERVICE_UNKNOWN };
        // The spec keeps the stream open: the service may appear later (it does not here).
        await aborted(signals);
        return;
      }
      const queue: ServingStatus[] = [];
      let wake: (() => void) | undefined;
      const unwatch = monitor.watch((status) => {
        queue.push(status);
        wake?.();
      });
      const onAbort = () => wake?.();
      for (const signal of signals) signal.addEventListener("abort", onAbort);
      try {
        while (!ended()) {
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
        for (const signal of signals) signal.removeEventListener("abort", onAbort);
      }
    },
  });
}

/** Resolves when any of `signals` aborts, and leaves no listener behind. */
function aborted(signals: readonly AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal.aborted)) return resolve();
    const done = () => {
      for (const signal of signals) signal.removeEventListener("abort", done);
      resolve();
    };
    for (const signal of signals) signal.addEventListener("abort", done);
  });
}
