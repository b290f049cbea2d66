import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/server.js";
import { argon2id, importText, origin, softwareCredential, type ImportResult } from "./transfer-harness.js";

// A dry run predicts the conflicts the real run meets: an id, email, credential id or username
// already in the database, and a value claimed twice within the file. Its summary and refusals are
// the real run's, line for line.

let server: TestServer;
let dry: ImportResult;
let real: ImportResult;
const run = randomUUID().slice(0, 8);
const existing = randomUUID();
const key = softwareCredential();
const credential = (made: ReturnType<typeof softwareCredential>) => ({ id: made.id, public_key: made.publicKey, sign_count: 1, created_at: "2024-01-01T00:00:00Z" });
const user = (id: string, address: string, extra: Record<string, unknown> = {}) => ({ user_id: id, emails: [{ address, is_primary: true, is_verified: true }], ...extra });

beforeAll(async () => {
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example", HANKO_PASSWORDS_ENABLED: "true" });
  const stored = user(existing, `stored-${run}@example.com`, { username: `stored_${run}`, password: { password: await argon2id("stored password 1") }, webauthn_credentials: [credential(key)] });
  expect((await importText(server, "hanko", JSON.stringify(stored))).summary).toEqual({ imported: 1, unchanged: 0, refused: 0 });
  const twice = randomUUID();
  const lines = [
    user(randomUUID(), `stored-${run}@example.com`),
    user(twice, `first-${run}@example.com`),
    user(randomUUID(), `first-${run}@example.com`),
    user(twice, `again-${run}@example.com`),
    user(existing, `stored-${run}@example.com`),
    user(randomUUID(), `key-${run}@example.com`, { webauthn_credentials: [credential(key)] }),
    user(randomUUID(), `name-${run}@example.com`, { username: `STORED_${run}` }),
    user(randomUUID(), `clean-${run}@example.com`, { username: `clean_${run}` }),
    user(randomUUID(), `clean-too-${run}@example.com`, { username: `clean_${run}` }),
  ];
  const text = lines.map((line) => JSON.stringify(line)).join("\n");
  dry = await importText(server, "hanko", text, { dryRun: true, batchSize: 4 });
  real = await importText(server, "hanko", text, { batchSize: 4 });
});
afterAll(async () => {
  await server?.close();
});

describe("a dry run over a file with conflicts", () => {
  it("prints the summary and refusals of the real run", () => {
    expect(real.summary).toEqual({ imported: 2, unchanged: 1, refused: 6 });
    expect(dry.summary).toEqual(real.summary);
    expect(dry.refused).toEqual(real.refused);
  });

  it("names each conflict with its line", () => {
    expect(real.refused).toEqual([
      { line: 1, reason: "an email address of the user belongs to another user" },
      { line: 3, reason: "an email address of the user belongs to another user" },
      { line: 4, reason: "the same user id as line 2" },
      { line: 6, reason: "a WebAuthn credential id of the user is another user's" },
      { line: 7, reason: "the username belongs to another user" },
      { line: 9, reason: "the username belongs to another user" },
    ]);
  });
});
