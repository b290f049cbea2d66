// Child process of bench/run.ts: Tessera on 127.0.0.1, a free port, an in-memory PGlite database.
import { startApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/log.js";
import { runChild } from "./child.js";

runChild(async () => {
  // A fixed environment, not process.env: the benchmark never touches a real database.
  const config = loadConfig({ DATA_DIR: "memory://", PORT: "0", LOG_LEVEL: "error" });
  const app = await startApp(config, { logger: createLogger(config.logLevel), host: "127.0.0.1" });
  return { port: app.port, close: () => app.close() };
});
