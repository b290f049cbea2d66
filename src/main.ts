import { ConfigError } from "./config/config-error.js";
import { loadConfig } from "./config/config.js";
import { startApp } from "./app.js";
import { createLogger } from "./log.js";

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
  const app = await startApp(config, { logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error("stop failed", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`tessera: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (error instanceof Error && error.cause !== undefined) process.stderr.write(`  cause: ${String(error.cause)}\n`);
  process.exit(1);
});
