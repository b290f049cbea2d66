import { hash } from "@node-rs/argon2";
import { Readable } from "node:stream";
import { createSecretBox, type SecretBox } from "../../src/core/keys/secret-box.js";
import { createAuditLog } from "../../src/core/audit/audit.service.js";
import { systemClock } from "../../src/core/clock.js";
import { createAuditStore } from "../../src/store/audit/audit.store.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createTransferStore } from "../../src/store/transfer/import.store.js";
import { exportUsers } from "../../src/transfer/export.service.js";
import type { OperatorKey } from "../../src/transfer/operator-key.js";
import type { ImportFormat } from "../../src/transfer/formats/index.js";
import { createImportService } from "../../src/transfer/import.service.js";
import type { ImportSummary } from "../../src/transfer/import-summary.js";
import type { TestServer } from "../harness/server.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../harness/software-authenticator.js";

export const origin = "https://login.example.com";
export const rpId = "login.example.com";
/** The software authenticator the fixtures' credentials come from, so that a login can sign. */
export const authenticator = new SoftwareAuthenticator(origin, rpId);

/** The server's own secret box (TESSERA_SECRET_KEY of its environment). */
export function serverSecrets(server: TestServer): SecretBox {
  return createSecretBox(Buffer.from(server.env.TESSERA_SECRET_KEY ?? "", "hex"));
}

/** What an import reported. */
export interface ImportResult {
  summary: ImportSummary;
  refused: { line: number; reason: string }[];
  mapped: Map<string, string>;
}

/** The server's audit trail, as the command writes to it. */
function auditOf(server: TestServer) {
  return createAuditLog({ store: createAuditStore(server.app.database.db), clock: systemClock, tenantId: defaultTenantId });
}

/** Imports `text` (a whole file) into the server's database as the command does. */
export async function importText(server: TestServer, format: ImportFormat, text: string, options: { dryRun?: boolean; exportKey?: OperatorKey; batchSize?: number } = {}): Promise<ImportResult> {
  const refused: ImportResult["refused"] = [];
  const mapped = new Map<string, string>();
  const service = createImportService({ store: createTransferStore(server.app.database.db), secrets: serverSecrets(server), audit: auditOf(server) });
  const summary = await service.run({
    format,
    input: Readable.from([text]),
    dryRun: options.dryRun ?? false,
    ...(options.exportKey === undefined ? {} : { exportKey: options.exportKey }),
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    onRefused: (line, reason) => refused.push({ line, reason }),
    onMapped: (sourceId, userId) => mapped.set(sourceId, userId),
    actor: "test",
  });
  return { summary, refused, mapped };
}

/** The server's export, whole. */
export async function exportText(server: TestServer, exportKey?: OperatorKey): Promise<string> {
  let text = "";
  for await (const line of exportUsers({ store: createTransferStore(server.app.database.db), secrets: serverSecrets(server), ...(exportKey === undefined ? {} : { exportKey }), audit: auditOf(server), actor: "test" })) text += line;
  return text;
}

/** A WebAuthn credential made by the software authenticator, with its COSE public key (base64url). */
export function softwareCredential(userHandle?: Buffer): { credential: SoftwareCredential; id: string; publicKey: string } {
  const { credential, cosePublicKey } = authenticator.newCredential(userHandle);
  return { credential, id: credential.id.toString("base64url"), publicKey: cosePublicKey.toString("base64url") };
}

/** The argon2id hash of `password` (Tessera's own parameters). */
export function argon2id(password: string): Promise<string> {
  return hash(password, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

/** The 16 bytes of a UUID: Tessera's user handle. */
export function uuidHandle(id: string): Buffer {
  return Buffer.from(id.replaceAll("-", ""), "hex");
}
