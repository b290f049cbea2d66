import { createAccessPointService } from "./authfi/tenant.service.js";
import { ConfigError, loadConfig } from "./config.js";
import { createKeyService } from "./keys/key.service.js";
import { resolveMasterKey } from "./keys/master-key.js";
import { createSecretBox } from "./keys/secret-box.js";
import { createLogger } from "./log.js";
import { openDatabase } from "./store/database.js";
import { migrateToLatest } from "./store/migrator.js";

const usage = `usage: npm run tessera -- <command>
  keys list                 the published signing keys
  keys rotate RS256|EdDSA   add a key that signs from now on; older keys stay published
  keys retire <kid>         stop publishing a key (tokens it signed stop verifying)
  rp create <access-point> [--state active|trial|suspended] [--user-cap N]
                            a new AuthFi relying party; prints its API key (shown only once)`;

/** `rp create`'s options, or undefined when they are not understood. */
function rpOptions(args: string[]): { state: "active" | "trial" | "suspended"; userCap: number | null } | undefined {
  let state: "active" | "trial" | "suspended" = "active";
  let userCap: number | null = null;
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === "--state" && (value === "active" || value === "trial" || value === "suspended")) state = value;
    else if (flag === "--user-cap" && value !== undefined && /^\d{1,9}$/.test(value)) userCap = Number(value);
    else return undefined;
  }
  return { state, userCap };
}

/** `npm run tessera -- …`: operator commands against the configured database. */
async function main(args: string[]): Promise<number> {
  const [area, command, argument] = args;
  const rp = area === "rp" && command === "create" && argument !== undefined ? rpOptions(args.slice(3)) : undefined;
  if ((area !== "keys" && rp === undefined) || command === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    await migrateToLatest(database.db);
    const secrets = createSecretBox(resolveMasterKey(config, logger));
    if (rp !== undefined) {
      const created = await createAccessPointService({ db: database.db, secrets }).create({ slug: argument!, state: rp.state, userCap: rp.userCap });
      if (created === undefined) {
        process.stderr.write(`access point ${argument} exists\n`);
        return 1;
      }
      process.stdout.write(`${created.apiKey}\n`);
      return 0;
    }
    const keys = createKeyService({ db: database.db, secrets, logger, cacheMs: 0 });
    await keys.ensureKeys();
    switch (command) {
      case "list":
        for (const alg of ["RS256", "EdDSA"] as const) {
          const [current, ...older] = await keys.publicKeys(alg);
          if (current) process.stdout.write(`${alg}\t${current.kid}\tsigning\n`);
          for (const key of older) process.stdout.write(`${alg}\t${key.kid}\tpublished\n`);
        }
        return 0;
      case "rotate": {
        if (argument !== "RS256" && argument !== "EdDSA") break;
        const key = await keys.rotate(argument);
        process.stdout.write(`${key.kid}\n`);
        return 0;
      }
      case "retire":
        if (argument === undefined) break;
        if (!(await keys.retire(argument))) {
          process.stderr.write(`no published key ${argument}\n`);
          return 1;
        }
        return 0;
    }
    process.stderr.write(`${usage}\n`);
    return 2;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tessera: ${error instanceof ConfigError ? "configuration error: " : ""}${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
