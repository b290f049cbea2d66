import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { once } from "node:events";
import { basename, dirname, join } from "node:path";
import { sql, type Kysely } from "kysely";
import { userInfo } from "node:os";
import { createAuditLog } from "../core/audit/audit.service.js";
import { systemClock } from "../core/clock.js";
import { createAuditStore } from "../store/audit/audit.store.js";
import { defaultTenantId } from "../store/schema.js";
import { decoyChannel } from "../store/transfer/decoy-channel.js";
import type { SecretBox } from "../core/keys/secret-box.js";
import { isDatabaseUnavailable } from "../core/errors/database-error.js";
import { createTransferStore } from "../store/transfer/import.store.js";
import type { Schema } from "../store/schema.js";
import { exportUsers } from "../transfer/export.service.js";
import { createImportService } from "../transfer/import.service.js";
import { createProgressPrinter } from "../transfer/import-progress.js";
import { summaryLine } from "../transfer/import-summary.js";
import { readOperatorKey } from "../transfer/operator-key.js";
import type { Command } from "./parse.js";

/** `tessera import <format> <file>`: exit 0 when every record was imported or unchanged, 1 when some were refused or the database failed. */
export async function importUsers(db: Kysely<Schema>, secrets: SecretBox, command: Extract<Command, { area: "import" }>): Promise<number> {
  const exportKey = command.totpKeyFile === undefined ? undefined : await readOperatorKey(command.totpKeyFile);
  const mapping = command.mappingOut === undefined ? undefined : createWriteStream(command.mappingOut, { flags: "w" });
  if (mapping !== undefined) await write(mapping, "source_id,user_id,tenant\n");
  const service = createImportService({ store: createTransferStore(db), secrets, audit: auditOf(db) });
  const progress = createProgressPrinter({ write: (text) => process.stderr.write(text) });
  try {
    const summary = await service.run({
      format: command.action,
      input: command.file === "-" ? process.stdin : createReadStream(command.file),
      dryRun: command.dryRun,
      ...(exportKey === undefined ? {} : { exportKey }),
      onRefused: (line, reason) => process.stderr.write(`line ${line}: refused: ${reason}\n`),
      onMapped: (sourceId, userId, tenant) => {
        // Buffered by the stream: a line per mapped user, tens of bytes each.
        mapping?.write(`${csv(sourceId)},${userId},${csv(tenant)}\n`);
      },
      onProgress: progress.update,
      actor: operator(),
    });
    progress.finish();
    // A running server on the same PostgreSQL reads its decoy hash schemes again (PGlite: none runs beside).
    if (!command.dryRun && summary.imported > 0) await sql`select pg_notify(${decoyChannel}, '')`.execute(db).catch(() => undefined);
    process.stdout.write(`${summaryLine(summary, command.dryRun)}\n`);
    return summary.refused > 0 ? 1 : 0;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    process.stderr.write("the database became unavailable: run the same import again when it is back (users already imported are left unchanged)\n");
    return 1;
  } finally {
    if (mapping !== undefined) {
      mapping.end();
      await once(mapping, "close");
    }
  }
}

/** `tessera export <file>`: every user, one JSON line each, written to a 0600 file beside FILE and renamed onto it when complete. */
export async function exportAllUsers(db: Kysely<Schema>, secrets: SecretBox, command: Extract<Command, { area: "export" }>): Promise<number> {
  const exportKey = command.resealKeyFile === undefined ? undefined : await readOperatorKey(command.resealKeyFile);
  const lines = exportUsers({ store: createTransferStore(db), secrets, ...(exportKey === undefined ? {} : { exportKey }), audit: auditOf(db), actor: operator() });
  const count = command.file === "-" ? await writeLines(process.stdout, lines) : await writeFileAtomically(command.file, lines);
  process.stderr.write(`${count} users exported\n`);
  return 0;
}

/** The audit trail the commands write to, as the server's. */
function auditOf(db: Kysely<Schema>) {
  return createAuditLog({ store: createAuditStore(db), clock: systemClock, tenantId: defaultTenantId });
}

/** Who runs a command, as the audit trail names them: the operating system's user. */
function operator(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

/** Writes to a new 0600 file in FILE's directory, renamed onto FILE on success and removed on failure: FILE is never truncated nor left readable by others. */
async function writeFileAtomically(file: string, lines: AsyncIterable<string>): Promise<number> {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const output = createWriteStream(temporary, { flags: "wx", mode: 0o600 });
  try {
    await once(output, "open");
    const count = await writeLines(output, lines);
    output.end();
    await once(output, "close");
    await rename(temporary, file);
    return count;
  } catch (error) {
    output.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
}

async function writeLines(output: NodeJS.WritableStream, lines: AsyncIterable<string>): Promise<number> {
  let count = 0;
  for await (const line of lines) {
    if (!output.write(line)) await once(output, "drain");
    count += 1;
  }
  return count;
}

function write(stream: WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function csv(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
