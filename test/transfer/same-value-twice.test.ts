import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/server.js";
import { importText, origin, softwareCredential, type ImportResult } from "./transfer-harness.js";

// A user who holds one unique value twice (a phone number written two ways in Tessera's format, a
// credential id in two base64url spellings of the same bytes) is refused for what it is, by the
// dry run as by the real run: the database's unique key would refuse the second copy, which the
// real run used to report as another user's, and the dry run counted as imported.

let server: TestServer;
let dry: ImportResult;
let real: ImportResult;
const run = randomUUID().slice(0, 8);
const digits = String(Date.now()).slice(-7);

/** The same bytes as `id` (base64url of 32 bytes: 43 characters, the last one's 2 low bits unused), spelt otherwise. */
function otherSpelling(id: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = alphabet.indexOf(id.at(-1)!);
  return `${id.slice(0, -1)}${alphabet[last ^ 1]}`;
}

beforeAll(async () => {
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example" });
  const key = softwareCredential();
  const credential = (id: string) => ({ credentialId: id, publicKey: key.publicKey, signCount: 1, transports: [], aaguid: null, backupEligible: false, backedUp: false, userHandle: null, name: null, product: "hanko" });
  const tessera = (extra: Record<string, unknown>) => ({ id: randomUUID(), tenant: "default", emails: [], phones: [], passwordHash: null, webauthn: [], ...extra });
  const lines = [
    tessera({ emails: [{ address: `ok-${run}@example.com`, verified: true, primary: true }] }),
    tessera({ phones: [{ number: `+1555${digits}`, verified: true }, { number: `+1 555 ${digits}`, verified: false }] }),
    tessera({ emails: [{ address: `keys-${run}@example.com`, verified: true, primary: true }], webauthn: [credential(key.id), credential(otherSpelling(key.id))] }),
  ];
  expect(Buffer.from(otherSpelling(key.id), "base64url")).toEqual(Buffer.from(key.id, "base64url"));
  const text = lines.map((line) => JSON.stringify(line)).join("\n");
  dry = await importText(server, "tessera", text, { dryRun: true });
  real = await importText(server, "tessera", text);
});
afterAll(async () => {
  await server?.close();
});

describe("a user holding one unique value twice", () => {
  it("is refused for it, by the dry run as by the real run", () => {
    expect(real.refused).toEqual([
      { line: 2, reason: "a phone number is given twice" },
      { line: 3, reason: "a WebAuthn credential id is given twice" },
    ]);
    expect(real.summary).toEqual({ imported: 1, unchanged: 0, refused: 2 });
    expect(dry.summary).toEqual(real.summary);
    expect(dry.refused).toEqual(real.refused);
  });
});
