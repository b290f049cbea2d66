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
  return { db, engine: "pglite", close: once(() => db.destroy()) };
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
  return { db, engine: "postgres", close: once(() => db.destroy()) };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => (result ??= fn());
}
