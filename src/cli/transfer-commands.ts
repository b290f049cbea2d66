import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";
import type { Kysely } from "kysely";
import type { SecretBox } from "../core/keys/secret-box.js";
import { isDatabaseUnavailable } from "../core/errors/database-error.js";
import { createTransferStore } from "../store/transfer/import.store.js";
import type { Schema } from "../store/schema.js";
import { exportUsers } from "../transfer/export.service.js";
import { createImportService } from "../transfer/import.service.js";
import { summaryLine } from "../transfer/import-summary.js";
import { readOperatorKey } from "../transfer/operator-key.js";
import type { Command } from "./parse.js";

/** `tessera import <format> <file>`: exit 0 when every record was imported or unchanged, 1 when some were refused or the database failed. */
export async function importUsers(db: Kysely<Schema>, secrets: SecretBox, command: Extract<Command, { area: "import" }>): Promise<number> {
  const exportKey = command.totpKeyFile === undefined ? undefined : await readOperatorKey(command.totpKeyFile);
  const mapping = command.mappingOut === undefined ? undefined : createWriteStream(command.mappingOut, { flags: "w" });
  if (mapping !== undefined) await write(mapping, "source_id,user_id\n");
  const service = createImportService({ store: createTransferStore(db), secrets });
  try {
    const summary = await service.run({
      format: command.action,
      input: command.file === "-" ? process.stdin : createReadStream(command.file),
      dryRun: command.dryRun,
      ...(exportKey === undefined ? {} : { exportKey }),
      onRefused: (line, reason) => process.stderr.write(`line ${line}: refused: ${reason}\n`),
      onMapped: (sourceId, userId) => {
        // Buffered by the stream: a line per mapped user, tens of bytes each.
        mapping?.write(`${csv(sourceId)},${userId}\n`);
      },
    });
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

/** `tessera export <file>`: every user, one JSON line each. */
export async function exportAllUsers(db: Kysely<Schema>, secrets: SecretBox, command: Extract<Command, { area: "export" }>): Promise<number> {
  const exportKey = command.resealKeyFile === undefined ? undefined : await readOperatorKey(command.resealKeyFile);
  const output = command.file === "-" ? process.stdout : createWriteStream(command.file, { flags: "w", mode: 0o600 });
  let count = 0;
  for await (const line of exportUsers({ store: createTransferStore(db), secrets, ...(exportKey === undefined ? {} : { exportKey }) })) {
    if (!output.write(line)) await once(output, "drain");
    count += 1;
  }
  if (output !== process.stdout) {
    (output as WriteStream).end();
    await once(output, "close");
  }
  process.stderr.write(`${count} users exported\n`);
  return 0;
}

function write(stream: WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function csv(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
