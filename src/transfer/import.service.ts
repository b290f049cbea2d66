import type { Readable } from "node:stream";
import { isDatabaseUnavailable } from "../core/errors/database-error.js";
import type { SecretBox } from "../core/keys/secret-box.js";
import type { OperatorKey } from "./operator-key.js";
import { formats, RecordRefused, type ImportFormat } from "./formats/index.js";
import type { ImportSummary } from "./import-summary.js";
import { readRecords } from "./record-stream.js";
import { toStore } from "./stored-user.js";
import type { TransferStore, UserToStore } from "./transfer.port.js";
import type { TransferUser } from "./transfer-user.js";

/** What an import reads and how. */
export interface ImportOptions {
  format: ImportFormat;
  input: Readable;
  /** Validate everything, store nothing. */
  dryRun: boolean;
  /** The key TOTP secrets of a Tessera export were sealed under, when they were. */
  exportKey?: OperatorKey;
  /** Users stored in one transaction (multi-row inserts): whole users only. */
  batchSize?: number;
  /** Each refused record, as it is refused. */
  onRefused(line: number, reason: string): void;
  /** Each user whose source id was not a UUID, with the id it has here (imported or already there). */
  onMapped?(sourceId: string, userId: string): void;
  /** The counts so far, after each batch. */
  onProgress?(summary: ImportSummary): void;
}

/** Imports users into the store: idempotent by user id; a refused record never stops the others. */
export interface ImportService {
  /** Reads the whole input; resolves with the counts, rejects only when the database fails (rerun: it resumes). */
  run(options: ImportOptions): Promise<ImportSummary>;
}

interface Pending {
  line: number;
  user: TransferUser;
}

/** Constraint names the import can break, with the reason it reports. */
const conflicts: Record<string, string> = {
  emails_tenant_address_key: "an email address of the user belongs to another user",
  phone_numbers_tenant_number_key: "a phone number of the user belongs to another user",
  webauthn_credentials_tenant_credential_key: "a WebAuthn credential id of the user is another user's",
  authfi_users_tenant_name_key: "the AuthFi name belongs to another user of the access point",
  emails_one_primary_idx: "more than one primary email",
};

/** Creates the import service over `store`; `secrets` seal TOTP secrets as enrolment does. */
export function createImportService(options: { store: TransferStore; secrets: SecretBox }): ImportService {
  const { store, secrets } = options;
  return {
    async run(run) {
      const read = formats[run.format];
      const batchSize = run.batchSize ?? 200;
      const summary: ImportSummary = { imported: 0, unchanged: 0, refused: 0 };
      const tenants = new Map<string, string | undefined>();
      const refuse = (line: number, reason: string) => {
        summary.refused += 1;
        run.onRefused(line, reason);
      };
      let batch: Pending[] = [];

      const flush = async () => {
        const pending = batch;
        batch = [];
        if (pending.length === 0) return;
        const unknownSlugs = [...new Set(pending.map((entry) => entry.user.tenant))].filter((slug) => !tenants.has(slug));
        const found = await store.tenantIds(unknownSlugs);
        for (const slug of unknownSlugs) tenants.set(slug, found.get(slug));
        const existing = await store.existingUsers(pending.map((entry) => entry.user.id));
        const firstLine = new Map<string, number>();
        const toInsert: { line: number; user: TransferUser; row: UserToStore }[] = [];
        for (const { line, user } of pending) {
          const tenantId = tenants.get(user.tenant);
          const seen = firstLine.get(user.id);
          if (seen !== undefined) refuse(line, `the same user id as line ${seen}`);
          else if (tenantId === undefined) refuse(line, `no access point "${user.tenant}" (create it first: npm run tessera -- rp create ${user.tenant})`);
          else if (existing.has(user.id)) {
            firstLine.set(user.id, line);
            if (existing.get(user.id) !== tenantId) refuse(line, "the user id is taken by a user of another tenant");
            else {
              summary.unchanged += 1;
              if (user.sourceId !== undefined) run.onMapped?.(user.sourceId, user.id);
            }
          } else {
            firstLine.set(user.id, line);
            try {
              toInsert.push({ line, user, row: toStore(user, tenantId, secrets, run.exportKey) });
            } catch (error) {
              if (!(error instanceof RecordRefused)) throw error;
              refuse(line, error.message);
            }
          }
        }
        const stored = (entry: { user: TransferUser }) => {
          summary.imported += 1;
          if (entry.user.sourceId !== undefined) run.onMapped?.(entry.user.sourceId, entry.user.id);
        };
        if (run.dryRun) toInsert.forEach(stored);
        else if (toInsert.length > 0) {
          try {
            await store.insertUsers(toInsert.map((entry) => entry.row));
            toInsert.forEach(stored);
          } catch (error) {
            if (isDatabaseUnavailable(error)) throw error;
            // One user of the batch conflicts: each in a transaction of its own, to store the others.
            for (const entry of toInsert) {
              try {
                await store.insertUsers([entry.row]);
                stored(entry);
              } catch (single) {
                if (isDatabaseUnavailable(single)) throw single;
                const constraint = constraintOf(single);
                if (constraint === "users_pkey") {
                  // Stored meanwhile by a concurrent import of the same file.
                  summary.unchanged += 1;
                  if (entry.user.sourceId !== undefined) run.onMapped?.(entry.user.sourceId, entry.user.id);
                } else refuse(entry.line, constraint === undefined ? `the database refused the user (${codeOf(single)})` : (conflicts[constraint] ?? `the database refused the user (${constraint})`));
              }
            }
          }
        }
        run.onProgress?.({ ...summary });
      };

      for await (const record of readRecords(run.input)) {
        if ("error" in record) {
          refuse(record.line, record.error);
          continue;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(record.text);
        } catch {
          refuse(record.line, "not JSON");
          continue;
        }
        try {
          batch.push({ line: record.line, user: read(parsed) });
        } catch (error) {
          if (!(error instanceof RecordRefused)) throw error;
          refuse(record.line, error.message);
          continue;
        }
        if (batch.length >= batchSize) await flush();
      }
      await flush();
      return summary;
    },
  };
}

function constraintOf(error: unknown): string | undefined {
  const constraint = typeof error === "object" && error !== null ? (error as { constraint?: unknown }).constraint : undefined;
  return typeof constraint === "string" ? constraint : undefined;
}

function codeOf(error: unknown): string {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" ? `SQLSTATE ${code}` : "no code";
}
