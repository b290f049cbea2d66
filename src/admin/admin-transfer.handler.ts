import { Readable } from "node:stream";
import type { SecretBox } from "../core/keys/secret-box.js";
import { DomainError } from "../core/errors/domain-error.js";
import type { Logger } from "../log.js";
import { toConnectError } from "../transport/error-codes.js";
import { exportUsers } from "../transfer/export.service.js";
import { isImportFormat } from "../transfer/formats/index.js";
import { createImportService } from "../transfer/import.service.js";
import { createOperatorKey, type OperatorKey } from "../transfer/operator-key.js";
import type { TransferStore } from "../transfer/transfer.port.js";
import type { AdminHandlers } from "./admin-service.js";
import { principalOf } from "./admin-context.js";
import type { AuditLog } from "../core/audit/audit.service.js";

/** The largest chunk ImportUsers takes: the management port bounds request bodies at 64 KiB. */
const maxChunkBytes = 60 * 1024;

/** What ImportUsers and ExportUsers need. */
export interface AdminTransferDeps<Tx> {
  store: TransferStore<Tx>;
  /** The server's secret box: TOTP secrets are sealed with it on import and opened on export. */
  secrets: SecretBox;
  logger: Logger;
  /** Records imported users (in their batch's transaction), each import run and each export. */
  audit?: AuditLog<Tx>;
  /** Called after an import stored users: the password check's decoys take in their hash schemes. */
  onImported?(): void;
}

type ImportEvent =
  | { case: "refused"; value: { line: number; reason: string } }
  | { case: "mapped"; value: { sourceId: string; userId: string; tenant: string } }
  | { case: "summary"; value: { imported: number; unchanged: number; refused: number } };

/** AdminService's ImportUsers and ExportUsers: the import and export commands over the admin API. */
export function createAdminTransferHandler<Tx>(deps: AdminTransferDeps<Tx>): AdminHandlers {
  const { store, secrets, logger, audit } = deps;
  const importer = createImportService({ store, secrets, ...(audit === undefined ? {} : { audit }) });
  return {
    async *importUsers(request, context) {
      try {
        if (!isImportFormat(request.format)) throw invalid("format must be hanko, kratos, authenticator, authfi or tessera");
        if (Buffer.byteLength(request.records) > maxChunkBytes) throw invalid(`records must be at most ${maxChunkBytes} bytes: send a larger file as consecutive chunks of whole records`);
        const exportKey = keyOf(request.totpKey, "totp_key");
        const offset = Math.max(request.firstLine, 1) - 1;
        // The events the import reports as it goes, yielded as they come.
        const events: ImportEvent[] = [];
        let wake: (() => void) | undefined;
        const push = (event: ImportEvent) => {
          events.push(event);
          wake?.();
        };
        let failure: { error: unknown } | undefined;
        let done = false;
        void importer
          .run({
            format: request.format,
            input: Readable.from([request.records]),
            dryRun: request.dryRun,
            ...(exportKey === undefined ? {} : { exportKey }),
            onRefused: (line, reason) => push({ case: "refused", value: { line: line + offset, reason } }),
            onMapped: (sourceId, userId, tenant) => push({ case: "mapped", value: { sourceId, userId, tenant } }),
            actor: principalOf(context).keyId,
          })
          .then(
            (summary) => {
              if (!request.dryRun && summary.imported > 0) deps.onImported?.();
              push({ case: "summary", value: summary });
            },
            (error: unknown) => (failure = { error }),
          )
          .finally(() => {
            done = true;
            wake?.();
          });
        for (;;) {
          const event = events.shift();
          if (event !== undefined) {
            yield { event };
            continue;
          }
          if (done) break;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
        if (failure !== undefined) throw failure.error;
      } catch (error) {
        throw toConnectError(error, logger);
      }
    },

    async *exportUsers(request, context) {
      try {
        const exportKey = keyOf(request.resealKey, "reseal_key");
        let lines: string[] = [];
        const audited = audit === undefined ? {} : { audit, actor: principalOf(context).keyId };
        for await (const line of exportUsers({ store, secrets, ...(exportKey === undefined ? {} : { exportKey }), ...audited })) {
          lines.push(line.trimEnd());
          if (lines.length === 500) {
            yield { lines };
            lines = [];
          }
        }
        if (lines.length > 0) yield { lines };
      } catch (error) {
        throw toConnectError(error, logger);
      }
    },
  };
}

function invalid(message: string): DomainError {
  return new DomainError("INVALID_FIELD", "invalid", message);
}

/** The operator key of a request field: none when empty, else exactly 32 bytes. */
function keyOf(bytes: Uint8Array, field: string): OperatorKey | undefined {
  if (bytes.length === 0) return undefined;
  if (bytes.length !== 32) throw invalid(`${field} must be 32 bytes`);
  return createOperatorKey(bytes);
}
