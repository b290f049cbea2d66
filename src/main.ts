import { ConfigError } from "./config/config-error.js";
import { loadConfig } from "./config/config.js";
import { startApp, type App } from "./app.js";
import { StartupError } from "./core/errors/startup-error.js";
import { createLogger, type Logger } from "./log.js";

/**
 * The process-level last resort: an error nothing handled is logged at error, never silently,
 * and the server keeps serving. Every known source (database clients, sockets, the outbox) has
 * its own handler; this catches the one nobody foresaw rather than ending every request in flight.
 */
function keepServingOnStrayErrors(logger: Logger): void {
  process.on("uncaughtException", (error) => logger.error("uncaught exception (kept serving)", { error }));
  process.on("unhandledRejection", (reason) => logger.error("unhandled promise rejection (kept serving)", { error: reason }));
}

/** SIGINT/SIGTERM: drain, then exit 0 only when no request was cut. */
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
  const logger = createLogger(config.logLevel);
  keepServingOnStrayErrors(logger);
  let app: App;
  try {
    app = await startApp(config, { logger });
  } catch (error) {
    // An operator's mistake is a sentence naming the variable, not a stack trace.
    if (error instanceof StartupError) {
      logger.error("cannot start", { variable: error.variable, error: error.message });
      process.stderr.write(`tessera: cannot start: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  stopOnSignals(app, logger, config.shutdownGraceSeconds);
}

main().catch((error: unknown) => {
  process.stderr.write(`tessera: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (error instanceof Error && error.cause !== undefined) process.stderr.write(`  cause: ${String(error.cause)}\n`);
  process.exit(1);
});
