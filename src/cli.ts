import type { Kysely } from "kysely";
import { createAccessPointService, type AccessPointService } from "./products/authfi/tenant.service.js";
import { ConfigError } from "./config/config-error.js";
import { loadConfig } from "./config/config.js";
import { createKeyService } from "./core/keys/key.service.js";
import { resolveMasterKey } from "./core/keys/master-key.js";
import { createSecretBox } from "./core/keys/secret-box.js";
import { listDeadLetters, retryDeadLetters } from "./delivery/outbox.store.js";
import { StartupError } from "./core/errors/startup-error.js";
import { createLogger } from "./log.js";
import { openDatabase } from "./store/database.js";
import { createSigningKeyStore } from "./store/keys/key.store.js";
import { migrateToLatest } from "./store/migrator.js";
import { defaultTenantId, type Schema } from "./store/schema.js";
import { createAccessPointStore } from "./store/authfi/tenant.store.js";

const usage = `usage: npm run tessera -- <command>
  keys list                 the published signing keys
  keys rotate RS256|EdDSA   add a key that signs from now on; older keys stay published
  keys retire <kid>         stop publishing a key (tokens it signed stop verifying)
  rp create <access-point> [--state active|trial|suspended] [--user-cap N]
                            a new AuthFi relying party; prints its API key (shown only once)
  rp update <access-point> [--state active|trial|suspended] [--user-cap N|none]
                            change a relying party's state (suspended: code 1001) or user cap
  rp rotate-key <access-point>
                            a new API key for a relying party (printed once); its other keys stop working
  outbox list               dead-lettered messages (expired before they could be delivered)
  outbox retry <id>…|--all  queue dead-lettered messages again (those without an expiry of
                            their own for another 24 hours; expired codes are reported, not sent)`;

type TenantState = "active" | "trial" | "suspended";

/** `rp create`/`rp update` options, or undefined when they are not understood. */
function rpOptions(args: string[]): { state?: TenantState; userCap?: number | null } | undefined {
  const options: { state?: TenantState; userCap?: number | null } = {};
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === "--state" && (value === "active" || value === "trial" || value === "suspended")) options.state = value;
    else if (flag === "--user-cap" && value !== undefined && /^(\d{1,9}|none)$/.test(value)) options.userCap = value === "none" ? null : Number(value);
    else return undefined;
  }
  return options;
}

/** `rp create|update|rotate-key <access-point> …`; undefined when the command is not one. */
async function relyingParty(service: AccessPointService, command: string, slug: string, options: { state?: TenantState; userCap?: number | null }): Promise<number | undefined> {
  switch (command) {
    case "create": {
      const created = await service.create({ slug, state: options.state ?? "active", userCap: options.userCap ?? null });
      if (created === undefined) return fail(`access point ${slug} exists`);
      process.stdout.write(`${created.apiKey}\n`);
      return 0;
    }
    case "update": {
      if (options.state === undefined && options.userCap === undefined) return undefined;
      const updated = await service.update(slug, options);
      if (updated === undefined) return fail(`no access point ${slug}`);
      process.stdout.write(`${updated.slug}\t${updated.state}\t${updated.userCap ?? "no cap"}\n`);
      return 0;
    }
    case "rotate-key": {
      if (Object.keys(options).length > 0) return undefined;
      const apiKey = await service.rotateKey(slug);
      if (apiKey === undefined) return fail(`no access point ${slug}`);
      process.stdout.write(`${apiKey}\n`);
      return 0;
    }
  }
  return undefined;
}

/** `outbox list` and `outbox retry <id>…|--all`. */
async function outbox(db: Kysely<Schema>, command: string, args: string[]): Promise<number> {
  if (command === "list" && args.length === 0) {
    for (const letter of await listDeadLetters(db)) {
      process.stdout.write(`${letter.id}\t${letter.channel}\t${letter.recipient}\t${letter.attempts} attempts\tdead since ${letter.failedAt.toISOString()}\t${letter.lastError ?? ""}\n`);
    }
    return 0;
  }
  if (command === "retry" && args.length > 0) {
    const all = args.length === 1 && args[0] === "--all";
    if (!all && !args.every((id) => /^[0-9a-f-]{36}$/i.test(id))) return fail("outbox retry takes message ids (from outbox list) or --all");
    const { queued, expired } = await retryDeadLetters(db, all ? "all" : args);
    process.stdout.write(`${queued} queued again\n`);
    for (const letter of expired) process.stdout.write(`${letter.id}\t${letter.recipient}\texpired ${letter.expiresAt.toISOString()}: not sent again (what it carries is no longer valid)\n`);
    if (expired.length > 0) process.stdout.write(`${expired.length} expired, left dead-lettered\n`);
    return 0;
  }
  process.stderr.write(`${usage}\n`);
  return 2;
}

function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 1;
}

/** `npm run tessera -- …`: operator commands against the configured database. */
async function main(args: string[]): Promise<number> {
  const [area, command, argument] = args;
  const rp = area === "rp" && command !== undefined && argument !== undefined ? rpOptions(args.slice(3)) : undefined;
  if ((area !== "keys" && area !== "outbox" && rp === undefined) || command === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, timeouts: { startMs: config.databaseConnectTimeout * 1000 } });
  try {
    await migrateToLatest(database.db);
    const secrets = createSecretBox(resolveMasterKey(config, logger));
    if (area === "outbox") return await outbox(database.db, command, args.slice(2));
    if (rp !== undefined) {
      const code = await relyingParty(createAccessPointService({ store: createAccessPointStore(database.db), secrets }), command, argument!, rp);
      if (code !== undefined) return code;
      process.stderr.write(`${usage}\n`);
      return 2;
    }
    const keys = createKeyService({ store: createSigningKeyStore(database.db, defaultTenantId), secrets, logger, cacheMs: 0 });
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
    const operator = error instanceof ConfigError || error instanceof StartupError;
    process.stderr.write(`tessera: ${error instanceof ConfigError ? "configuration error: " : ""}${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(operator ? 2 : 1);
  },
);
