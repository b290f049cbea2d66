import { randomBytes } from "node:crypto";
import { startApp, type App, type StartOptions } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

/** A real Tessera on port 0 with its own database, and the log lines it wrote. */
export interface TestServer {
  app: App;
  url: string;
  /** `127.0.0.1:<port>`, for gRPC clients. */
  address: string;
  engine: TestDatabase["engine"];
  logs: string[];
  /** The environment it was configured from (for a CLI run against the same database). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts Tessera as `npm start` would, with `env` on top of the test defaults. */
export async function startTestServer(env: Record<string, string> = {}, options: Partial<StartOptions> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const logs: string[] = [];
  const logger = createLogger("debug", (line) => {
    logs.push(line);
    if (process.env.TEST_LOG) process.stderr.write(line);
  });
  const fullEnv = {
    PORT: "0",
    ADMIN_PORT: "0",
    // Every test client calls from 127.0.0.1: the per-address limit (test/abuse/client-limits.test.ts
    // sets its own) would otherwise count a whole file's users as one client.
    CLIENT_RATE_LIMIT: "1000000",
    TESSERA_SECRET_KEY: randomBytes(32).toString("hex"),
    ...database.env,
    ...env,
  };
  const config = loadConfig(fullEnv);
  let app: App;
  try {
    app = await startApp(config, { logger, host: "127.0.0.1", logMessageBodies: true, pgliteTemplate: database.pgliteTemplate, ...options });
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    app,
    url: app.url,
    address: `127.0.0.1:${app.port}`,
    engine: database.engine,
    logs,
    env: fullEnv,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
