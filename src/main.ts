import cluster from "node:cluster";
import { fileURLToPath } from "node:url";
import { ConfigError } from "./core/errors/config-error.js";
import { loadConfig, type Config } from "./config/config.js";
import { startApp, type App } from "./app.js";
import { superviseWorkers } from "./cluster/supervisor.js";
import type { WorkerMessage } from "./cluster/worker-message.js";
import { StartupError } from "./core/errors/startup-error.js";
import { createLogger, type Logger } from "./log.js";
import { ensurePortFree } from "./transport/port-probe.js";

/**
 * The process-level last resort: an error nothing handled is logged at error, never silently,
 * and the server keeps serving. Every known source (database clients, sockets, the outbox) has
 * its own handler; this catches the one nobody foresaw rather than ending every request in flight.
 */
function keepServingOnStrayErrors(logger: Logger): void {
  process.on("uncaughtException", (error) => logger.error("uncaught exception (kept serving)", { error }));
  process.on("unhandledRejection", (reason) => logger.error("unhandled promise rejection (kept serving)", { error: reason }));
}

/**
 * SIGINT/SIGTERM: drain, then exit 0 only when no request was cut. A worker also drains when
 * its primary is gone (the IPC channel closed), so a killed primary leaves no worker behind.
 */
function stopOnSignals(app: App, logger: Logger, graceSeconds: number): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn("already stopping", { signal });
      return;
    }
    stopping = true;
    logger.info("stopping: no new connections, draining requests in flight", { signal, graceSeconds });
    app.close().then(
      ({ cut }) => {
        if (cut === 0) {
          logger.info("stopped");
          process.exit(0);
        }
        logger.error("stopped after cutting requests still running at the end of SHUTDOWN_GRACE_SECONDS", { cut, graceSeconds });
        process.exit(1);
      },
      (error: unknown) => {
        logger.error("stop failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  if (cluster.isWorker) process.on("disconnect", () => stop("primary gone"));
}

/** An operator's mistake is a sentence naming the variable, not a stack trace: exit 2. */
function exitOnStartupError(error: unknown, logger: Logger): void {
  if (!(error instanceof StartupError)) return;
  logger.error("cannot start", { variable: error.variable, error: error.message });
  process.stderr.write(`tessera: cannot start: ${error.message}\n`);
  process.exit(2);
}

/**
 * What a worker runs: this file as the primary was started (`node dist/src/main.js`), or, run
 * from source by vite-node (tests, development), vite-node on this file: vite-node takes the file
 * off process.argv, so node:cluster's default would start the runner without it.
 */
function workerEntry(): { exec: string; args: string[] } | undefined {
  const file = fileURLToPath(import.meta.url);
  const runner = process.argv[1];
  return file.endsWith(".ts") && runner !== undefined ? { exec: runner, args: [file] } : undefined;
}

/** The primary of TESSERA_WORKERS > 1: checks the port once, then supervises the workers that serve it. */
async function supervise(config: Config, logger: Logger): Promise<void> {
  try {
    // Workers share the primary's socket: only here can a port in use be told apart.
    if (config.port !== 0) await ensurePortFree(config.port, undefined);
    if (config.adminPort !== 0) await ensurePortFree(config.adminPort, undefined);
  } catch (error) {
    exitOnStartupError(error, logger);
    throw error;
  }
  superviseWorkers({
    workers: config.workers,
    logger,
    // A worker waits DATABASE_CONNECT_TIMEOUT for the database itself, then migrations and keys.
    startTimeoutMs: (config.databaseConnectTimeout + 120) * 1000,
    stopTimeoutMs: (config.shutdownGraceSeconds + 15) * 1000,
    entry: workerEntry(),
  });
}

/** One serving process: the only one (TESSERA_WORKERS=1, PGlite), or a worker of the primary. */
async function serve(config: Config, logger: Logger): Promise<void> {
  if (config.workersIgnored !== undefined) {
    logger.warn("TESSERA_WORKERS ignored: the embedded PGlite database lives in one process, so one process serves (set DATABASE_URL for more)", {
      asked: config.workersIgnored,
      workers: config.workers,
    });
  }
  let app: App;
  try {
    app = await startApp(config, { logger, checkPort: cluster.isPrimary, clusterMetrics: cluster.isWorker });
  } catch (error) {
    exitOnStartupError(error, logger);
    throw error;
  }
  stopOnSignals(app, logger, config.shutdownGraceSeconds);
  if (cluster.isWorker) process.send?.({ type: "tessera:ready", port: app.port } satisfies WorkerMessage);
  else logger.info("tessera ready", { port: app.port, workers: 1 });
}

/** `npm start`: read the environment, start, and stop cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tessera: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // Workers share the primary's stderr: each line says which process wrote it.
  const logger = createLogger(config.logLevel, undefined, cluster.isWorker ? { pid: process.pid } : undefined);
  keepServingOnStrayErrors(logger);
  if (cluster.isPrimary && config.workers > 1) await supervise(config, logger);
  else await serve(config, logger);
}

main().catch((error: unknown) => {
  process.stderr.write(`tessera: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (error instanceof Error && error.cause !== undefined) process.stderr.write(`  cause: ${String(error.cause)}\n`);
  process.exit(1);
});
