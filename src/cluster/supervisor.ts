import cluster, { type Worker } from "node:cluster";
import type { Logger } from "../log.js";
import { createMetricsAggregation } from "./cluster-metrics.js";
import { createRestartBudget, defaultRestartPolicy, type RestartPolicy } from "./restart-budget.js";
import { isWorkerMessage } from "./worker-message.js";

/** How the primary runs its workers. */
export interface SupervisorOptions {
  /** Worker processes to keep serving. */
  workers: number;
  logger: Logger;
  /** Bound on one worker's start (waiting for the database, migrations); a worker still starting then is killed. */
  startTimeoutMs: number;
  /** Bound on the drain after SIGTERM/SIGINT; workers still running then are killed and the exit is 1. */
  stopTimeoutMs: number;
  restartPolicy?: RestartPolicy;
  /** What a worker runs; unset: the primary's own command line (node:cluster's default). */
  entry?: { exec: string; args: string[] };
  /** Ends the primary; process.exit unless a test replaces it. */
  exit?: (code: number) => void;
}

interface Running {
  worker: Worker;
  ready: boolean;
  startTimer: NodeJS.Timeout;
}

/**
 * Runs `workers` copies of this entry point with node:cluster, all serving the one port, and
 * supervises them as one service. The primary serves nothing and opens no database.
 *
 * - Start: "tessera ready" is logged when every worker listens. A worker that exits before
 *   then (a configuration or start-up error, a database that never answered) stops the whole
 *   service with that worker's exit code: no restart loop on a mistake.
 * - A worker that dies while serving is replaced after a growing wait; more deaths in a minute
 *   than the restart policy allows stop the service (exit 1), for the operator's supervisor.
 * - `GET /metrics` on the management port, whichever worker the shared port hands it to, answers
 *   the sum over every serving worker: the worker asks the primary, which collects the workers'
 *   registries over IPC (cluster-metrics.ts).
 * - SIGTERM/SIGINT: every worker drains (its own graceful close); the exit is 0 only when every
 *   worker exited 0, that is none cut a request.
 */
export function superviseWorkers(options: SupervisorOptions): void {
  const { logger, workers } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const policy = options.restartPolicy ?? defaultRestartPolicy;
  const budget = createRestartBudget(policy);
  const running = new Map<number, Running>();
  const replacements = new Set<NodeJS.Timeout>();
  let phase: "starting" | "serving" | "stopping" = "starting";
  let exitCode = 0;
  let stopTimer: NodeJS.Timeout | undefined;

  const pids = () => [...running.values()].map(({ worker }) => worker.process.pid);
  const metrics = createMetricsAggregation(() => [...running.values()].filter((entry) => entry.ready).map((entry) => entry.worker));

  const fork = () => {
    const worker = cluster.fork();
    const pid = worker.process.pid;
    const startTimer = setTimeout(() => {
      logger.error("a worker did not start in time: killing it", { pid, seconds: options.startTimeoutMs / 1000 });
      worker.process.kill("SIGKILL");
    }, options.startTimeoutMs);
    const entry: Running = { worker, ready: false, startTimer };
    running.set(worker.id, entry);
    worker.on("message", (message: unknown) => {
      if (metrics.receive(worker, message)) return;
      if (!isWorkerMessage(message) || entry.ready) return;
      clearTimeout(entry.startTimer);
      entry.ready = true;
      if (phase === "starting" && running.size === workers && [...running.values()].every((other) => other.ready)) {
        phase = "serving";
        logger.info("tessera ready", { port: message.port, workers, pids: pids() });
      } else if (phase === "serving") {
        logger.info("replacement worker serving", { pid, port: message.port, workers: running.size });
      }
    });
    worker.on("exit", (code: number | null, signal: string | null) => exited(entry, code, signal));
  };

  const exited = (entry: Running, code: number | null, signal: string | null) => {
    clearTimeout(entry.startTimer);
    running.delete(entry.worker.id);
    metrics.forget(entry.worker);
    const pid = entry.worker.process.pid;
    if (phase === "stopping") {
      // A worker still starting dies of the SIGTERM itself: no drain of its was cut.
      if (code !== 0 && entry.ready) {
        logger.error("a worker stopped with an error (it cut requests or could not close)", { pid, code, signal });
        exitCode = exitCode || 1;
      }
      if (running.size === 0) finish();
    } else if (phase === "starting") {
      logger.error("a worker could not start: stopping the service", { pid, code, signal });
      stop(code !== null && code !== 0 ? code : 1);
    } else {
      const delayMs = budget.next();
      if (delayMs === undefined) {
        logger.error("workers keep dying: stopping the service", { pid, code, signal, replacementsPerMinute: policy.perMinute });
        stop(1);
        return;
      }
      logger.error("a worker died: replacing it", { pid, code, signal, delayMs, workers: running.size });
      const timer = setTimeout(() => {
        replacements.delete(timer);
        fork();
      }, delayMs);
      replacements.add(timer);
    }
  };

  const stop = (code: number) => {
    phase = "stopping";
    exitCode = exitCode || code;
    for (const timer of replacements) clearTimeout(timer);
    replacements.clear();
    if (running.size === 0) return finish();
    for (const { worker } of running.values()) worker.process.kill("SIGTERM");
    stopTimer = setTimeout(() => {
      logger.error("workers did not stop in time: killing them", { pids: pids(), seconds: options.stopTimeoutMs / 1000 });
      exitCode = exitCode || 1;
      for (const { worker } of running.values()) worker.process.kill("SIGKILL");
    }, options.stopTimeoutMs);
  };

  const finish = () => {
    clearTimeout(stopTimer);
    if (exitCode === 0) logger.info("stopped");
    else logger.error("stopped", { exitCode });
    exit(exitCode);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (phase === "stopping") {
      logger.warn("already stopping", { signal });
      return;
    }
    logger.info("stopping: no new connections, every worker drains its requests in flight", { signal, workers: running.size });
    stop(0);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  if (options.entry !== undefined) cluster.setupPrimary(options.entry);
  logger.info("starting workers", { workers });
  for (let i = 0; i < workers; i++) fork();
}
