// `npm run bench:import`: how fast `tessera import` stores users, beside its floor.
//
// Generates BENCH_IMPORT_USERS users (default 100 000) as a JSON Lines file of Tessera's own
// format (each user: two emails, a phone number, an argon2id hash, one WebAuthn credential, the
// Authenticator API's factor settings), then on each database:
//   import   the import service reading that file as `tessera import tessera FILE` does: stream,
//            parse, validate, look up existing ids, multi-row inserts per batch of 200 users in one
//            transaction each, with each user's `user.created` audit event in it;
//   floor    the same rows inserted by the same multi-row statements in the same batches and
//            transactions, built in memory here: no file, no parsing, no validation, no lookups.
// Each runs on a fresh database: in-memory PGlite, and PostgreSQL when BENCH_DATABASE_URL is set
// (a server where this role may create databases: two throwaway ones are created and dropped);
// BENCH_IMPORT_ENGINES=postgres (or pglite) runs one of them alone.
// Prints users/s of each, the import's share of the floor, and peak RSS during each (sampled
// every 50 ms: memory must stay bounded whatever the number of users).
import { randomBytes, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createAuditLog } from "../src/core/audit/audit.service.js";
import { systemClock } from "../src/core/clock.js";
import { createSecretBox } from "../src/core/keys/secret-box.js";
import { createAuditStore } from "../src/store/audit/audit.store.js";
import { createLogger } from "../src/log.js";
import { openDatabase, type Database } from "../src/store/database.js";
import { migrateToLatest } from "../src/store/migrator.js";
import { defaultTenantId } from "../src/store/schema.js";
import { createTransferStore } from "../src/store/transfer/import.store.js";
import { createImportService } from "../src/transfer/import.service.js";
import type { UserToStore } from "../src/transfer/transfer.port.js";
import type { TransferUser } from "../src/transfer/transfer-user.js";

const users = Number(process.env.BENCH_IMPORT_USERS ?? 100_000);
const batchSize = 200;
const secrets = createSecretBox(randomBytes(32));
const hash = "$argon2id$v=19$m=19456,t=2,p=1$Y9RvCD3POxlmqsIlJWtRig$Nus2ZeBDV5ERKRWUKZ25wM0TD6KGBw6DuSGg7X3/q4I";
const publicKey = "pQECAyYgASFYIFLhrpYalM-lIIaAtvUhMq6KHKJRrg_C5WK3ez4BekrvIlgggpLTlplLCyW-CQFY2PT1luEcaRbsSTZVmRffgelWJKc";
const logger = createLogger("error");

/** The `index`-th generated user (ids random, contacts unique by index). */
function user(index: number): TransferUser {
  return {
    id: randomUUID(),
    tenant: "default",
    createdAt: "2024-01-01T00:00:00.000Z",
    updatedAt: "2024-01-02T00:00:00.000Z",
    emails: [
      { address: `user${index}@example.com`, verified: true, primary: true },
      { address: `user${index}.old@example.com`, verified: false, primary: false },
    ],
    phones: [{ number: `+1555${String(index).padStart(7, "0")}`, verified: true }],
    passwordHash: hash,
    webauthn: [
      { credentialId: randomBytes(32).toString("base64url"), publicKey, signCount: index, transports: ["internal"], aaguid: null, backupEligible: true, backedUp: true, userHandle: null, name: null, product: "hanko", createdAt: "2024-01-01T00:00:00.000Z", lastUsedAt: null },
    ],
    factors: { isCodeAllowed: true, isTotpAllowed: false, isDeviceAllowed: false, totp: null },
    authfi: null,
  };
}

/** The generated user as the store takes it (what the import makes of its line). */
function row(index: number): UserToStore {
  const made = user(index);
  return {
    id: made.id,
    tenantId: defaultTenantId,
    createdAt: new Date(made.createdAt ?? 0),
    updatedAt: new Date(made.updatedAt ?? 0),
    emails: made.emails,
    phones: made.phones,
    passwordHash: made.passwordHash,
    credentials: made.webauthn.map((credential) => ({ ...credential, credentialId: Buffer.from(credential.credentialId, "base64url"), publicKey: Buffer.from(credential.publicKey, "base64url"), userHandle: null, createdAt: new Date(0), lastUsedAt: null })),
    factors: { isCodeAllowed: true, isTotpAllowed: false, isDeviceAllowed: false, sealedTotpSecret: null, totpLastUsedStep: null },
    authfi: null,
    locked: null,
    createdThrough: null,
    username: null,
    identities: [],
  };
}

async function writeFixture(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (let index = 0; index < users; index++) if (!out.write(`${JSON.stringify(user(index))}\n`)) await once(out, "drain");
  out.end();
  await once(out, "close");
}

/** Runs `work`, sampling RSS: seconds taken and the peak in MiB. */
async function measured(work: () => Promise<void>): Promise<{ seconds: number; peakMiB: number }> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const start = process.hrtime.bigint();
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, peakMiB: Math.max(peak, process.memoryUsage.rss()) / 2 ** 20 };
}

/** A fresh migrated database of `engine`, and how to throw it away. */
async function freshDatabase(engine: "pglite" | "postgres"): Promise<{ database: Database; dispose(): Promise<void> }> {
  if (engine === "pglite") {
    const database = await openDatabase({ databaseUrl: undefined, dataDir: "memory://", logger });
    await migrateToLatest(database.db);
    return { database, dispose: () => database.close() };
  }
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "";
  const name = `tessera_bench_import_${randomBytes(4).toString("hex")}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: "memory://", logger });
  await migrateToLatest(database.db);
  return {
    database,
    async dispose() {
      await database.close();
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

async function importRun(engine: "pglite" | "postgres", file: string) {
  const { database, dispose } = await freshDatabase(engine);
  try {
    let summary = { imported: 0, unchanged: 0, refused: 0 };
    const figures = await measured(async () => {
      summary = await createImportService({ store: createTransferStore(database.db), secrets, audit: createAuditLog({ store: createAuditStore(database.db), clock: systemClock, tenantId: defaultTenantId }) }).run({ format: "tessera", input: createReadStream(file), dryRun: false, batchSize, onRefused: (line, reason) => console.error(`line ${line}: ${reason}`) });
    });
    if (summary.imported !== users) throw new Error(`imported ${summary.imported} of ${users}`);
    return figures;
  } finally {
    await dispose();
  }
}

async function floorRun(engine: "pglite" | "postgres") {
  const { database, dispose } = await freshDatabase(engine);
  try {
    const store = createTransferStore(database.db);
    return await measured(async () => {
      for (let start = 0; start < users; start += batchSize) {
        await store.insertUsers(Array.from({ length: Math.min(batchSize, users - start) }, (_, offset) => row(start + offset)));
      }
    });
  } finally {
    await dispose();
  }
}

/**
 * PGlite, and PostgreSQL when BENCH_DATABASE_URL is set; BENCH_IMPORT_ENGINES (pglite, postgres
 * or both, comma-separated) picks fewer, so that one engine's peak RSS is read in a process of its
 * own (in-memory PGlite keeps the whole database in this process, and RSS does not shrink after).
 */
function enginesToRun(): Array<"pglite" | "postgres"> {
  const available: Array<"pglite" | "postgres"> = process.env.BENCH_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
  const asked = process.env.BENCH_IMPORT_ENGINES;
  if (asked === undefined || asked === "") return available;
  const names = asked.split(",").map((name) => name.trim());
  for (const name of names) {
    if (name !== "pglite" && name !== "postgres") throw new Error(`BENCH_IMPORT_ENGINES: unknown engine ${JSON.stringify(name)} (pglite, postgres)`);
    if (!available.includes(name)) throw new Error(`BENCH_IMPORT_ENGINES: ${name} needs BENCH_DATABASE_URL`);
  }
  return available.filter((engine) => names.includes(engine));
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tessera-bench-import-"));
  try {
    const file = join(dir, "users.jsonl");
    const generated = await measured(() => writeFixture(file));
    console.log(`${users} users generated (${generated.seconds.toFixed(1)} s); batches of ${batchSize} users a transaction\n`);
    const engines = enginesToRun();
    console.log("database   run     seconds   users/s   share of floor   peak RSS");
    for (const engine of engines) {
      const floor = await floorRun(engine);
      const imported = await importRun(engine, file);
      const rate = (figures: { seconds: number }) => users / figures.seconds;
      const line = (name: string, figures: { seconds: number; peakMiB: number }, share: string) =>
        console.log(`${engine.padEnd(10)} ${name.padEnd(7)} ${figures.seconds.toFixed(1).padStart(7)}   ${rate(figures).toFixed(0).padStart(7)}   ${share.padStart(14)}   ${figures.peakMiB.toFixed(0).padStart(5)} MiB`);
      line("floor", floor, "1.00");
      line("import", imported, (rate(imported) / rate(floor)).toFixed(2));
    }
    if (!process.env.BENCH_DATABASE_URL) console.log("\n(PostgreSQL: set BENCH_DATABASE_URL=postgres://… to a server where this role may create databases)");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
