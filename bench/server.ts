// Child process of bench/run.ts: Tessera on 127.0.0.1 and a free port, with an in-memory
// PGlite database, or PostgreSQL when the parent passes BENCH_DATABASE_URL. After start it
// creates a user and a session and hands the session JWT to the parent for GET /me, and
// `loginUsers` more users with sessions, for the parent to register WebAuthn credentials with
// (a user holds at most 20; the login section needs one credential per request in flight).
// ORIGIN is https://login.example.com, so the RP id is login.example.com. It logs each request at
// info (to /dev/null, buffered as stderr is) and keeps its metrics, as shipped, unless the parent passes observe: false.
import { openSync } from "node:fs";
import pg from "pg";
import { startApp } from "../src/app.js";
import type { AuditStore } from "../src/core/audit/audit.port.js";
import { createAuditStore } from "../src/store/audit/audit.store.js";
import { loadConfig } from "../src/config/config.js";
import { createLogDestination, createLogger } from "../src/log.js";
import { createSessionTokens } from "../src/core/session/session-token.service.js";
import { hankoSessionPolicy } from "../src/products/hanko/policy.js";
import { createSessionStore } from "../src/store/session/session.store.js";
import { defaultTenantId } from "../src/store/schema.js";
import { runChild } from "./child.js";
import { benchAdminKey, benchOrigin, type BenchSession } from "./protocol.js";

runChild("tessera", async ({ databaseUrl, secretKey, loginUsers, observe = true }) => {
  if (databaseUrl !== undefined) await requireEmptyDatabase(databaseUrl);
  // A fixed environment, not process.env. PostgreSQL needs a master key; the parent's throwaway
  // one does, as the database is new and is not used after the run.
  const config = loadConfig(
    databaseUrl === undefined
      ? { DATA_DIR: "memory://", PORT: "0", ADMIN_PORT: "0", ADMIN_API_KEY: benchAdminKey, LOG_LEVEL: "info", ORIGIN: benchOrigin }
      : { DATABASE_URL: databaseUrl, TESSERA_SECRET_KEY: secretKey, PORT: "0", ADMIN_PORT: "0", ADMIN_API_KEY: benchAdminKey, LOG_LEVEL: "info", ORIGIN: benchOrigin },
  );
  // The request log at info, as shipped: through the same buffered, asynchronous destination
  // as stderr (src/log.ts), but to /dev/null, as thousands of lines a second would drown the
  // table. (A write(2) per line, as this once did, cost a gRPC call a tenth of its CPU.)
  const destination = createLogDestination(openSync("/dev/null", "w"));
  const logger = createLogger(config.logLevel, (line) => void destination.write(line));
  // The audit trail as shipped, unless the parent turns it off for the row that prices the audit write.
  let audited = true;
  const auditStore = (db: Parameters<typeof createAuditStore>[0]): AuditStore<typeof db> => {
    const store = createAuditStore(db);
    return { insert: (tx, event) => (audited ? store.insert(tx, event) : Promise.resolve()), insertMany: (tx, events) => (audited ? store.insertMany(tx, events) : Promise.resolve()), insertAlone: (event) => (audited ? store.insertAlone(event) : Promise.resolve()) };
  };
  const app = await startApp(config, { logger, host: "127.0.0.1", observe, auditStore });
  try {
    const { db } = app.database;
    const user = await db.insertInto("users").values({ tenant_id: defaultTenantId }).returning("id").executeTakeFirstOrThrow();
    // A day: longer than any run the settings allow.
    const tokens = createSessionTokens({ store: createSessionStore(db, defaultTenantId), keys: app.keys, lifetime: 86_400, policy: hankoSessionPolicy });
    const issued = await tokens.issue(user.id);
    const { kid } = await app.keys.signingKey("RS256");
    const loginSessions: BenchSession[] = [];
    for (let i = 0; i < loginUsers; i++) {
      const loginUser = await db.insertInto("users").values({ tenant_id: defaultTenantId }).returning("id").executeTakeFirstOrThrow();
      const loginSession = await tokens.issue(loginUser.id);
      loginSessions.push({ token: loginSession.token, userId: loginSession.userId, kid });
    }
    return { port: app.port, adminPort: app.adminPort, engine: app.database.engine, session: { token: issued.token, userId: issued.userId, kid }, loginSessions, setAudit: (on) => void (audited = on), close: async () => void (await app.close()) };
  } catch (error) {
    await app.close();
    throw error;
  }
});

/**
 * Refuses a database that already holds tables: the run migrates it, writes signing keys
 * sealed with a throwaway master key, a user and a session, and leaves them there.
 */
async function requireEmptyDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>("select count(*) as count from information_schema.tables where table_schema = current_schema()");
    const count = Number(rows[0]?.count ?? 0);
    if (count > 0) {
      const name = new URL(url).pathname.slice(1) || "(default)";
      throw new Error(
        `BENCH_DATABASE_URL: database ${name} already has ${count} table(s); the benchmark needs an empty, throwaway database ` +
          "(it migrates it and writes keys sealed with a one-off master key): drop and re-create it, e.g. `dropdb tessera_bench && createdb tessera_bench`",
      );
    }
  } finally {
    await client.end();
  }
}
