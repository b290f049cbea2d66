import { ConfigError } from "../core/errors/config-error.js";
import { loadConfig } from "../config/config.js";
import { StartupError } from "../core/errors/startup-error.js";
import { createLogger } from "../log.js";
import { openDatabase } from "./database.js";
import { migrateDown, migrateToLatest } from "./migrator.js";

const usage = `usage: npm run migrate [-- down]
  (nothing)   run every migration not yet applied
  down        undo the newest applied migration`;

/** `npm run migrate` (to latest) and `npm run migrate -- down` (undo the newest); anything else exits 2. */
async function main(args: string[]): Promise<number> {
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (args.length > 1 || (args.length === 1 && args[0] !== "down")) {
    process.stderr.write(`migrate: unknown argument "${args.find((arg) => arg !== "down") ?? args[1]}"\n${usage}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, holder: "command", timeouts: { startMs: config.databaseConnectTimeout * 1000 } });
  try {
    const result = args[0] === "down" ? await migrateDown(database.db) : await migrateToLatest(database.db);
    for (const r of result.results ?? []) logger.info("migration", { name: r.migrationName, direction: r.direction, status: r.status });
    if ((result.results ?? []).length === 0) logger.info("no migrations to run");
  } finally {
    await database.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const operator = error instanceof ConfigError || error instanceof StartupError;
    process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof Error && error.cause) process.stderr.write(`  cause: ${String(error.cause)}\n`);
    process.exit(operator ? 2 : 1);
  },
);
