import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Logger } from "../log.js";
import { createPgliteDialect } from "./pglite-dialect.js";
import type { Schema } from "./schema.js";

/** An open database: Kysely plus what the engine underneath needs. */
export interface Database {
  readonly db: Kysely<Schema>;
  readonly engine: "postgres" | "pglite";
  /**
   * Calls `onNotify` on each `NOTIFY channel` from any replica (PostgreSQL only: PGlite has
   * one process, which nudges itself). Returns a function that stops listening.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /** Closes every connection; waits for queries in flight. */
  close(): Promise<void>;
}

/** Where to open the database. */
export interface DatabaseOptions {
  /** PostgreSQL URL; unset opens PGlite. */
  databaseUrl: string | undefined;
  /** PGlite data directory or `memory://`. */
  dataDir: string;
  /** A PGlite data-directory dump to start from (tests clone a migrated template). */
  pgliteTemplate?: Blob | undefined;
  logger: Logger;
}

/** Opens PostgreSQL through a `pg` pool when a URL is given, else embedded PGlite. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== undefined) return openPostgres(options.databaseUrl, options.logger);
  const pglite = await PGlite.create(options.dataDir, options.pgliteTemplate ? { loadDataDir: options.pgliteTemplate } : {});
  const db = new Kysely<Schema>({ dialect: createPgliteDialect(pglite) });
  return { db, engine: "pglite", listen: async () => async () => {}, close: once(() => db.destroy()) };
}

function openPostgres(url: string, logger: Logger): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A query or an idle transaction never holds a connection for long.
    options: "-c statement_timeout=10000 -c idle_in_transaction_session_timeout=15000",
  });
  pool.on("error", (error) => logger.warn("idle database connection failed", { error }));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: "postgres", listen: (channel, onNotify) => listenPostgres(url, channel, onNotify, logger), close: once(() => db.destroy()) };
}

/** A dedicated connection that LISTENs, reconnecting after a failure. */
async function listenPostgres(url: string, channel: string, onNotify: () => void, logger: Logger): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    next.on("notification", () => onNotify());
    next.on("error", (error) => {
      logger.warn("LISTEN connection failed; reconnecting", { error: error.message });
      void next.end().catch(() => undefined);
      if (!stopped) retry = setTimeout(() => void connect().catch(() => undefined), 2_000);
    });
    await next.connect();
    await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    client = next;
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}
