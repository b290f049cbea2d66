import { checkReadiness, type Readiness, type ReadinessChecks } from "./readiness.js";

/** The serving status of the server as gRPC health reports it. */
export type ServingStatus = "serving" | "not_serving";

/** Tracks readiness for `grpc.health.v1`: a fresh check on demand, and a poll while anyone watches. */
export interface HealthMonitor {
  /** Checks now (bounded by the check timeout); watchers hear of a change. */
  check(): Promise<Readiness>;
  /** Calls `onStatus` with the current status at once and on every change, until the returned function is called. */
  watch(onStatus: (status: ServingStatus) => void): () => void;
  /** Aborts when the server stops: open watches end then, so that they hold no shutdown back. */
  readonly stopped: AbortSignal;
  /** Stops polling and ends every watch. */
  stop(): void;
}

/** How the monitor checks. */
export interface HealthMonitorOptions {
  checks: ReadinessChecks;
  /** Bound of each check (default 1 s). */
  timeoutMs?: number;
  /** How often it checks while someone watches (default 1 s). */
  pollMs?: number;
}

/** Creates the monitor; it polls only while a `watch` is open, so an idle server runs no query for it. */
export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const pollMs = options.pollMs ?? 1_000;
  const watchers = new Set<(status: ServingStatus) => void>();
  let last: ServingStatus | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<Readiness> | undefined;
  const stopping = new AbortController();

  const check = (): Promise<Readiness> => {
    running ??= checkReadiness(options.checks, timeoutMs)
      .then((readiness) => {
        const status: ServingStatus = readiness.ready ? "serving" : "not_serving";
        if (status !== last) {
          last = status;
          for (const watcher of watchers) watcher(status);
        }
        return readiness;
      })
      .finally(() => (running = undefined));
    return running;
  };
  const stopPolling = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  return {
    check,
    watch(onStatus) {
      watchers.add(onStatus);
      if (last !== undefined) onStatus(last);
      void check();
      if (timer === undefined) {
        timer = setInterval(() => void check(), pollMs);
        timer.unref();
      }
      return () => {
        watchers.delete(onStatus);
        if (watchers.size === 0) stopPolling();
      };
    },
    stopped: stopping.signal,
    stop() {
      stopPolling();
      stopping.abort();
    },
  };
}
