import type { Readable } from "node:stream";
import type { AuditEventInput, AuditProduct } from "../core/audit/audit-event.js";
import { noAudit, type AuditLog } from "../core/audit/audit.service.js";
import { isDatabaseUnavailable } from "../core/errors/database-error.js";
import type { SecretBox } from "../core/keys/secret-box.js";
import type { OperatorKey } from "./operator-key.js";
import { formats, RecordRefused, type ImportFormat } from "./formats/index.js";
import type { ImportSummary } from "./import-summary.js";
import { readRecords } from "./record-stream.js";
import { toStore } from "./stored-user.js";
import type { TransferStore, UserToStore } from "./transfer.port.js";
import type { TransferUser } from "./transfer-user.js";
import { claimId, claimsOf, repeatedClaim } from "./unique-claims.js";

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
  /** Each user whose source id was not a UUID, with the id it has here (imported or already there) and its tenant's slug (a source id is mapped per access point). */
  onMapped?(sourceId: string, userId: string, tenant: string): void;
  /** The counts so far, after each batch. */
  onProgress?(summary: ImportSummary): void;
  /** Who runs it, for the audit trail (the admin key's id, or the command line's operator). */
  actor?: string;
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

interface Refusal {
  line: number;
  reason: string;
}

/** Constraint names the import can break, with the reason it reports. */
const conflicts: Record<string, string> = {
  emails_tenant_address_key: "an email address of the user belongs to another user",
  phone_numbers_tenant_number_key: "a phone number of the user belongs to another user",
  webauthn_credentials_tenant_credential_key: "a WebAuthn credential id of the user is another user's",
  authfi_users_tenant_name_key: "the AuthFi name belongs to another user of the access point",
  emails_one_primary_idx: "more than one primary email",
  users_tenant_username_key: "the username belongs to another user",
  identities_provider_user_key: "a linked provider identity of the user belongs to another user",
};

/** The reason for a user holding one unique value twice, by the constraint the second copy would break. */
const givenTwice: Record<string, string> = {
  emails_tenant_address_key: "an email address is given twice",
  phone_numbers_tenant_number_key: "a phone number is given twice",
  webauthn_credentials_tenant_credential_key: "a WebAuthn credential id is given twice",
  identities_provider_user_key: "a linked provider identity is given twice",
};

/** The product an imported user's `user.created` event names: the one whose clients the source served. */
const productOf: Record<ImportFormat, AuditProduct> = {
  hanko: "hanko",
  kratos: "hanko",
  authenticator: "authenticator",
  authfi: "authfi",
  tessera: "shared",
};

/** What the import service needs; `audit` records each imported user in its batch's transaction, and each run. */
export interface ImportDeps<Tx> {
  store: TransferStore<Tx>;
  secrets: SecretBox;
  audit?: AuditLog<Tx>;
}

/** Creates the import service over `store`; `secrets` seal TOTP secrets as enrolment does. */
export function createImportService<Tx>(options: ImportDeps<Tx>): ImportService {
  const { store, secrets } = options;
  const audit = options.audit ?? noAudit;
  return {
    async run(run) {
      const read = formats[run.format];
      const batchSize = run.batchSize ?? 200;
      const summary: ImportSummary = { imported: 0, unchanged: 0, refused: 0 };
      const tenants = new Map<string, string | undefined>();
      // A dry run stores nothing: the users it would have stored, so that a later record with the
      // same id counts as a real run counts it (unchanged, or refused for another tenant).
      const wouldExist = new Map<string, string>();
      // And the unique values (emails, phone numbers, credential ids, …) they would hold, so that a
      // later user of the file claiming one is refused as the real run refuses it.
      const wouldClaim = new Set<string>();
      let batch: Pending[] = [];
      // Refusals of lines after the first pending user's, reported in line order when its batch is done.
      let held: Refusal[] = [];
      const report = (refusals: Refusal[]) => {
        for (const { line, reason } of refusals.sort((a, b) => a.line - b.line)) run.onRefused(line, reason);
      };
      const refuse = (line: number, reason: string) => {
        summary.refused += 1;
        if (batch.length === 0) run.onRefused(line, reason);
        else held.push({ line, reason });
      };
      const createdEvent = (entry: { user: TransferUser; row: UserToStore }): AuditEventInput => ({
        type: "user.created",
        outcome: "success",
        product: productOf[run.format],
        userId: entry.row.id,
        tenantId: entry.row.tenantId,
        ...(run.actor === undefined ? {} : { actor: run.actor }),
        details: { source: run.format, imported: true },
      });

      const flush = async () => {
        const pending = batch;
        if (pending.length === 0) return;
        const unknownSlugs = [...new Set(pending.map((entry) => entry.user.tenant))].filter((slug) => !tenants.has(slug));
        const found = await store.tenantIds(unknownSlugs);
        for (const slug of unknownSlugs) tenants.set(slug, found.get(slug));
        const existing = await store.existingUsers(pending.map((entry) => entry.user.id));
        if (run.dryRun) for (const { user } of pending) if (!existing.has(user.id) && wouldExist.has(user.id)) existing.set(user.id, wouldExist.get(user.id)!);
        const firstLine = new Map<string, number>();
        const toInsert: { line: number; user: TransferUser; row: UserToStore }[] = [];
        // Refusals from here on are held with the parse refusals of the batch, reported in order below.
        const hold = (line: number, reason: string) => {
          summary.refused += 1;
          held.push({ line, reason });
        };
        for (const { line, user } of pending) {
          const tenantId = tenants.get(user.tenant);
          const seen = firstLine.get(user.id);
          if (seen !== undefined) hold(line, `the same user id as line ${seen}`);
          else if (tenantId === undefined) hold(line, `no access point "${user.tenant}" (create it first: npm run tessera -- rp create ${user.tenant})`);
          else if (existing.has(user.id)) {
            firstLine.set(user.id, line);
            if (existing.get(user.id) !== tenantId) hold(line, "the user id is taken by a user of another tenant");
            else {
              summary.unchanged += 1;
              if (user.sourceId !== undefined) run.onMapped?.(user.sourceId, user.id, user.tenant);
            }
          } else {
            firstLine.set(user.id, line);
            try {
              const row = toStore(user, tenantId, secrets, run.exportKey);
              // The database would refuse the second copy as if another user held it: said for what it is, in both runs.
              const twice = repeatedClaim(claimsOf(row));
              if (twice === undefined) toInsert.push({ line, user, row });
              else hold(line, givenTwice[twice.constraint] ?? `a value is given twice (${twice.constraint})`);
            } catch (error) {
              if (!(error instanceof RecordRefused)) throw error;
              hold(line, error.message);
            }
          }
        }
        const stored = (entry: { user: TransferUser; row: UserToStore }) => {
          summary.imported += 1;
          if (run.dryRun) wouldExist.set(entry.row.id, entry.row.tenantId);
          if (entry.user.sourceId !== undefined) run.onMapped?.(entry.user.sourceId, entry.user.id, entry.user.tenant);
        };
        if (run.dryRun) {
          // The conflicts the real run would meet, in file order: a value stored already, or claimed by an earlier user of the file.
          const taken = await store.claimed(toInsert.flatMap((entry) => claimsOf(entry.row)));
          for (const entry of toInsert) {
            const claims = claimsOf(entry.row);
            const conflict = claims.find((claim) => taken.has(claimId(claim)) || wouldClaim.has(claimId(claim)));
            if (conflict !== undefined) hold(entry.line, conflicts[conflict.constraint] ?? `the database refused the user (${conflict.constraint})`);
            else {
              for (const claim of claims) wouldClaim.add(claimId(claim));
              stored(entry);
            }
          }
        } else if (toInsert.length > 0) {
          try {
            await store.insertUsers(
              toInsert.map((entry) => entry.row),
              (tx) => audit.recordMany(tx, toInsert.map(createdEvent)),
            );
            toInsert.forEach(stored);
          } catch (error) {
            if (isDatabaseUnavailable(error)) throw error;
            // One user of the batch conflicts: each in a transaction of its own, to store the others.
            for (const entry of toInsert) {
              try {
                await store.insertUsers([entry.row], (tx) => audit.recordMany(tx, [createdEvent(entry)]));
                stored(entry);
              } catch (single) {
                if (isDatabaseUnavailable(single)) throw single;
                const constraint = constraintOf(single);
                if (constraint === "users_pkey") {
                  // Stored meanwhile by a concurrent import of the same file.
                  summary.unchanged += 1;
                  if (entry.user.sourceId !== undefined) run.onMapped?.(entry.user.sourceId, entry.user.id, entry.user.tenant);
                } else hold(entry.line, constraint === undefined ? `the database refused the user (${codeOf(single)})` : (conflicts[constraint] ?? `the database refused the user (${constraint})`));
              }
            }
          }
        }
        batch = [];
        const refusals = held;
        held = [];
        report(refusals);
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
      report(held);
      if (!run.dryRun) {
        await audit.recordAlone({
          type: "users.imported",
          outcome: "success",
          product: "admin",
          ...(run.actor === undefined ? {} : { actor: run.actor }),
          details: { source: run.format, imported: summary.imported, unchanged: summary.unchanged, refused: summary.refused },
        });
      }
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
