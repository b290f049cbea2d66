import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, type Dialect, type KyselyConfig, type LogEvent } from "kysely";
import pg from "pg";
import { StartupError } from "../core/errors/startup-error.js";
import type { Logger } from "../log.js";
import { prepareDataDir } from "./data-dir.js";
import { lockDataDir, type DataDirHolder } from "./data-dir-lock.js";
import { listenPostgres } from "./listen.js";
import { observeDialect, type QueryObserver } from "./observed-dialect.js";
import { createPgliteDialect } from "./pglite-dialect.js";
import type { Schema } from "./schema.js";

/** An open database: Kysely plus what the engine underneath needs. */
export interface Database {
  readonly db: Kysely<Schema>;
  readonly engine: "postgres" | "pglite";
  /**
   * Calls `onNotify` on each `NOTIFY channel` from any replica, and after each reconnection
   * (notifications may have been missed meanwhile). PostgreSQL only: PGlite has one process,
   * which nudges itself. Returns a function that stops listening.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** Connections held by a query or transaction, and queries waiting for one (PGlite has one connection). */
  connections(): { inUse: number; waiting: number };
  /** Closes every connection; waits for queries in flight. */
  close(): Promise<void>;
}

/** Time limits of the PostgreSQL pool; the defaults are what ships, tests may shorten them. */
export interface DatabaseTimeouts {
  /** How long a request waits for a pooled connection (or a new one to open). */
  connectionMs: number;
  /** Server-side limit of one statement (`statement_timeout`). */
  statementMs: number;
  /** Client-side limit of one query: a stalled network never holds a request for longer. */
  queryMs: number;
  /** How long start-up retries an unreachable database before giving up. */
  startMs: number;
}

/** The shipped pool time limits (`startMs` comes from DATABASE_CONNECT_TIMEOUT). */
export const defaultDatabaseTimeouts: DatabaseTimeouts = { connectionMs: 1_000, statementMs: 5_000, queryMs: 7_000, startMs: 30_000 };

/** Where to open the database. */
export interface DatabaseOptions {
  /** PostgreSQL URL; unset opens PGlite. */
  databaseUrl: string | undefined;
  /** PGlite data directory or `memory://`. */
  dataDir: string;
  /** A PGlite data-directory dump to start from (tests clone a migrated template). */
  pgliteTemplate?: Blob | undefined;
  logger: Logger;
  timeouts?: Partial<DatabaseTimeouts>;
  /** Called with each query that fails (the metrics count them by kind). */
  onQueryError?: (error: unknown) => void;
  /** Watches each query (trace export); unset, queries run unwatched. */
  queryObserver?: QueryObserver;
  /** Who opens a PGlite DATA_DIR, for the lock that keeps a second process out (default: the server). */
  holder?: DataDirHolder;
}

/**
 * Opens PostgreSQL through a `pg` pool when a URL is given, else embedded PGlite. PostgreSQL is
 * retried with backoff for `timeouts.startMs`; then, or at once for a refusal no retry can cure
 * (wrong password, no such database), it throws a StartupError naming DATABASE_URL.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const timeouts = { ...defaultDatabaseTimeouts, ...options.timeouts };
  const log = queryErrorLog(options.onQueryError);
  const observe = (dialect: Dialect) => (options.queryObserver === undefined ? dialect : observeDialect(dialect, options.queryObserver));
  if (options.databaseUrl !== undefined) return openPostgres(options.databaseUrl, timeouts, options.logger, log, observe);
  prepareDataDir(options.dataDir);
  const lock = options.dataDir.startsWith("memory://") ? undefined : lockDataDir(options.dataDir, options.holder ?? "server");
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(options.dataDir, options.pgliteTemplate ? { loadDataDir: options.pgliteTemplate } : {});
  } catch (error) {
    lock?.release();
    throw new StartupError("DATA_DIR", `DATA_DIR ${options.dataDir} cannot hold the embedded database: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const usage = { inUse: 0, waiting: 0 };
  const db = new Kysely<Schema>({ dialect: observe(createPgliteDialect(pglite, usage)), ...log });
  const close = async () => {
    try {
      await db.destroy();
    } finally {
      lock?.release();
    }
  };
  return { db, engine: "pglite", listen: async () => async () => {}, connections: () => ({ ...usage }), close: once(close) };
}

/** Kysely's `log` option, reporting failed queries only (it costs nothing for the rest). */
function queryErrorLog(onQueryError: ((error: unknown) => void) | undefined): { log?: KyselyConfig["log"] } {
  if (onQueryError === undefined) return {};
  return {
    log: (event: LogEvent) => {
      if (event.level === "error") onQueryError(event.error);
    },
  };
}

async function openPostgres(url: string, timeouts: DatabaseTimeouts, logger: Logger, log: { log?: KyselyConfig["log"] }, observe: (dialect: Dialect) => Dialect): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    connectionTimeoutMillis: timeouts.connectionMs,
    idleTimeoutMillis: 30_000,
    query_timeout: timeouts.queryMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // A query or an idle transaction never holds a connection for long.
    options: `-c statement_timeout=${timeouts.statementMs} -c idle_in_transaction_session_timeout=${Math.max(timeouts.queryMs * 2, 10_000)}`,
  });
  // pg-pool listens for errors only while a client is idle: a connection that breaks while a
  // request holds it would otherwise be an unhandled 'error' event, which ends the process.
  // The query in flight fails on its own (and answers 503); the pool drops the broken client.
  pool.on("connect", (client) => client.on("error", (error) => logger.warn("database connection failed", { error: error.message })));
  pool.on("error", (error) => logger.warn("idle database connection failed", { error: error.message }));
  await waitUntilReachable(pool, url, timeouts.startMs, logger).catch(async (error: unknown) => {
    await pool.end().catch(() => undefined);
    throw error;
  });
  const db = new Kysely<Schema>({ dialect: observe(new PostgresDialect({ pool })), ...log });
  return {
    db,
    engine: "postgres",
    listen: (channel, onNotify) => listenPostgres(url, channel, onNotify, logger, timeouts.connectionMs),
    connections: () => ({ inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    close: once(() => db.destroy()),
  };
}

/** SQLSTATEs no retry cures: wrong password or method, no such database or role. */
const permanentStates = new Set(["28P01", "28000", "3D000"]);

async function waitUntilReachable(pool: pg.Pool, url: string, timeoutMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const where = describeUrl(url);
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
    try {
      await pool.query("select 1");
      if (attempt > 1) logger.info("database reachable", { database: where, attempt });
      return;
    } catch (error) {
      const cause = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
      const code = (error as { code?: unknown }).code;
      // TypeError, URIError: the driver cannot read DATABASE_URL; no retry cures that either.
      if ((typeof code === "string" && permanentStates.has(code)) || error instanceof TypeError || error instanceof URIError) {
        throw new StartupError("DATABASE_URL", `DATABASE_URL (${where}) refused the connection: ${cause}`, { cause: error });
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new StartupError("DATABASE_URL", `DATABASE_URL (${where}) not reachable after ${attempt} tries in ${Math.round(timeoutMs / 1000)} s (DATABASE_CONNECT_TIMEOUT): ${cause}`, { cause: error });
      }
      const wait = Math.min(delay, left);
      logger.warn("database not reachable; retrying", { database: where, attempt, retryInMs: wait, error: cause });
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** host:port/database of a connection URL, without the credentials. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
  } catch {
    return "an unparsable URL";
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}
