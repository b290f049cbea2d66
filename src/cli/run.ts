import type { Kysely } from "kysely";
import type { Config } from "../config/config.js";
import { createKeyService } from "../core/keys/key.service.js";
import { resolveMasterKey } from "../core/keys/master-key.js";
import { createSecretBox, type SecretBox } from "../core/keys/secret-box.js";
import { listDeadLetters, retryDeadLetters } from "../store/outbox/outbox.store.js";
import { createLogger } from "../log.js";
import { createAccessPointService } from "../products/authfi/tenant.service.js";
import { createAccessPointStore } from "../store/authfi/tenant.store.js";
import { openDatabase } from "../store/database.js";
import { createSigningKeyStore } from "../store/keys/key.store.js";
import { migrateToLatest } from "../store/migrator.js";
import { defaultTenantId, type Schema } from "../store/schema.js";
import type { Command } from "./parse.js";
import { exportAllUsers, importUsers } from "./transfer-commands.js";

/** Runs one operator command against the configured database; resolves with the exit status. */
export async function runCommand(config: Config, command: Command): Promise<number> {
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, holder: "command", timeouts: { startMs: config.databaseConnectTimeout * 1000 } });
  try {
    await migrateToLatest(database.db);
    const secrets = createSecretBox(resolveMasterKey(config, logger));
    switch (command.area) {
      case "keys":
        return await keys(database.db, secrets, logger, command);
      case "rp":
        return await relyingParty(database.db, secrets, command);
      case "outbox":
        return await outbox(database.db, command);
      case "import":
        return await importUsers(database.db, secrets, command);
      case "export":
        return await exportAllUsers(database.db, secrets, command);
    }
  } finally {
    await database.close();
  }
}

async function keys(db: Kysely<Schema>, secrets: SecretBox, logger: ReturnType<typeof createLogger>, command: Extract<Command, { area: "keys" }>): Promise<number> {
  const service = createKeyService({ store: createSigningKeyStore(db, defaultTenantId), secrets, logger, cacheMs: 0 });
  await service.ensureKeys();
  switch (command.action) {
    case "list":
      for (const alg of ["RS256", "EdDSA"] as const) {
        const [current, ...older] = await service.publicKeys(alg);
        if (current) print(`${alg}\t${current.kid}\tsigning`);
        for (const key of older) print(`${alg}\t${key.kid}\tpublished`);
      }
      return 0;
    case "rotate":
      print((await service.rotate(command.alg)).kid);
      return 0;
    case "retire":
      return (await service.retire(command.kid)) ? 0 : fail(`no published key ${command.kid}`);
  }
}

async function relyingParty(db: Kysely<Schema>, secrets: SecretBox, command: Extract<Command, { area: "rp" }>): Promise<number> {
  const service = createAccessPointService({ store: createAccessPointStore(db), secrets });
  switch (command.action) {
    case "create": {
      const created = await service.create({ slug: command.slug, state: command.options.state ?? "active", userCap: command.options.userCap ?? null });
      if (created === undefined) return fail(`access point ${command.slug} exists`);
      print(created.apiKey);
      return 0;
    }
    case "update": {
      const updated = await service.update(command.slug, command.options);
      if (updated === undefined) return fail(`no access point ${command.slug}`);
      print(`${updated.slug}\t${updated.state}\t${updated.userCap ?? "no cap"}`);
      return 0;
    }
    case "rotate-key": {
      const apiKey = await service.rotateKey(command.slug);
      if (apiKey === undefined) return fail(`no access point ${command.slug}`);
      print(apiKey);
      return 0;
    }
  }
}

async function outbox(db: Kysely<Schema>, command: Extract<Command, { area: "outbox" }>): Promise<number> {
  if (command.action === "list") {
    for (const letter of await listDeadLetters(db)) {
      print(`${letter.id}\t${letter.channel}\t${letter.recipient}\t${letter.attempts} attempts\tdead since ${letter.failedAt.toISOString()}\t${letter.lastError ?? ""}`);
    }
    return 0;
  }
  const { queued, expired } = await retryDeadLetters(db, command.ids);
  print(`${queued} queued again`);
  for (const letter of expired) print(`${letter.id}\t${letter.recipient}\texpired ${letter.expiresAt.toISOString()}: not sent again (what it carries is no longer valid)`);
  if (expired.length > 0) print(`${expired.length} expired, left dead-lettered`);
  return 0;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 1;
}
