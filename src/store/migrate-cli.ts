import { loadConfig } from "../config/config.js";
import { createLogger } from "../log.js";
import { openDatabase } from "./database.js";
import { migrateDown, migrateToLatest } from "./migrator.js";

/** `npm run migrate` (to latest) and `npm run migrate -- down` (undo the newest). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, timeouts: { startMs: config.databaseConnectTimeout * 1000 } });
  try {
    const result = process.argv[2] === "down" ? await migrateDown(database.db) : await migrateToLatest(database.db);
    for (const r of result.results ?? []) logger.info("migration", { name: r.migrationName, direction: r.direction, status: r.status });
    if ((result.results ?? []).length === 0) logger.info("no migrations to run");
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof Error && error.cause) process.stderr.write(`  cause: ${String(error.cause)}\n`);
  process.exit(1);
});
