import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOperatorKey } from "../../src/transfer/operator-key.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { exportText, importText, origin, softwareCredential } from "./transfer-harness.js";

// Tessera's own format beyond the round trip (round-trip.test.ts logs its users in): the sample
// in docs/import imports as documented, and each rule of the format refuses its record.

let server: TestServer;
const key = createOperatorKey(randomBytes(32));
const otherKey = createOperatorKey(randomBytes(32));

/** A user of Tessera's export with its TOTP secret sealed under `sealer`. */
function sealedUser(id: string, sealer = key) {
  return {
    id,
    tenant: "default",
    emails: [{ address: `sealed-${id}@example.com`, verified: true, primary: true }],
    phones: [],
    passwordHash: null,
    webauthn: [],
    factors: { isCodeAllowed: true, isTotpAllowed: true, isDeviceAllowed: false, totp: { sealed: sealer.seal(Buffer.from("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), `tessera-export-totp:${id}`).toString("base64url") } },
    authfi: null,
  };
}

beforeAll(async () => {
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example" });
});
afterAll(async () => {
  await server?.close();
});

describe("importing Tessera's own export", () => {
  it("imports the documented sample's default-tenant user and names the missing access point of the other", async () => {
    const sample = JSON.parse(await readFile("docs/import/tessera.json", "utf8")) as unknown[];
    const result = await importText(server, "tessera", sample.map((user) => JSON.stringify(user)).join("\n"));
    expect(result.summary).toEqual({ imported: 1, unchanged: 0, refused: 1 });
    expect(result.refused).toEqual([{ line: 2, reason: 'no access point "shop" (create it first: npm run tessera -- rp create shop)' }]);
  });

  it("opens sealed TOTP secrets with the key given, and refuses them without it or with another", async () => {
    const [good, without, wrong] = [randomUUID(), randomUUID(), randomUUID()];
    expect((await importText(server, "tessera", JSON.stringify(sealedUser(good)), { exportKey: key })).summary).toEqual({ imported: 1, unchanged: 0, refused: 0 });
    expect((await importText(server, "tessera", JSON.stringify(sealedUser(without)))).refused).toEqual([{ line: 1, reason: "factors.totp is sealed: give the key it was sealed with (--totp-key-file)" }]);
    expect((await importText(server, "tessera", JSON.stringify(sealedUser(wrong, otherKey)), { exportKey: key })).refused).toEqual([{ line: 1, reason: "factors.totp does not open with the key given" }]);
    // Sealed for another user: the secret is bound to its user id.
    const moved = { ...sealedUser(randomUUID()), id: randomUUID() };
    expect((await importText(server, "tessera", JSON.stringify(moved), { exportKey: key })).refused).toEqual([{ line: 1, reason: "factors.totp does not open with the key given" }]);
    expect(await exportText(server, key)).toContain(JSON.stringify({ ...sealedUser(good).factors, lastUsedStep: null }));
  });

  it("switches a TOTP factor whose secret the export withheld off", async () => {
    const id = randomUUID();
    const withheld = { ...sealedUser(id), factors: { isCodeAllowed: true, isTotpAllowed: true, isDeviceAllowed: false, totp: null } };
    expect((await importText(server, "tessera", JSON.stringify(withheld))).summary).toEqual({ imported: 1, unchanged: 0, refused: 0 });
    const line = (await exportText(server)).split("\n").find((text) => text.includes(id)) ?? "";
    expect(JSON.parse(line)).toMatchObject({ factors: { isTotpAllowed: false, totp: null } });
  });

  it("refuses each record that breaks a rule of the format, with its line", async () => {
    const made = softwareCredential();
    const credential = { credentialId: made.id, publicKey: made.publicKey, signCount: 0, transports: [], aaguid: null, backupEligible: false, backedUp: false, userHandle: null, name: null, product: "hanko" };
    const base = (extra: Record<string, unknown>) => JSON.stringify({ ...sealedUser(randomUUID()), factors: null, ...extra });
    const lines = [
      base({ id: "user-1" }),
      base({ webauthn: [{ ...credential, product: "keycloak" }] }),
      base({ webauthn: [{ ...credential, publicKey: "not base64!" }] }),
      base({ factors: { isTotpAllowed: false, totp: { secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" } } }),
      base({ emails: [{ address: "not an address", verified: true, primary: true }] }),
      base({ createdAt: "yesterday" }),
      base({ authfi: { name: "x", state: "gone" } }),
      base({ passwordHash: "plain text" }),
      base({ locked: { reason: "no time" } }),
      base({ createdThrough: "keycloak" }),
      base({ identities: [{ provider: "github", providerUserId: "1", email: "someone-else@example.com" }] }),
      base({ identities: [{ provider: "github", providerUserId: "1" }, { provider: "github", providerUserId: "1" }] }),
      base({ factors: { isTotpAllowed: false, totp: null, lastUsedStep: -1 } }),
    ];
    const result = await importText(server, "tessera", lines.join("\n"));
    expect(result.summary).toEqual({ imported: 0, unchanged: 0, refused: 13 });
    expect(result.refused).toEqual([
      { line: 1, reason: "id must be a UUID" },
      { line: 2, reason: "webauthn[0].product must be hanko, authenticator or authfi" },
      { line: 3, reason: "webauthn[0].publicKey is not base64url or base64" },
      { line: 4, reason: "factors.totp is given but factors.isTotpAllowed is false" },
      { line: 5, reason: "emails[0].address is not an email address" },
      { line: 6, reason: "createdAt is not a date and time" },
      { line: 7, reason: 'authfi.state must be "activate" or "suspend"' },
      { line: 8, reason: expect.stringMatching(/^passwordHash: /) },
      { line: 9, reason: "locked.at is required" },
      { line: 10, reason: "createdThrough must be hanko, authenticator or authfi" },
      { line: 11, reason: "identity github/1 names email someone-else@example.com, which the user does not have" },
      { line: 12, reason: "identities[1] is given twice" },
      { line: 13, reason: "factors.lastUsedStep must be an integer from 0 to 2147483647" },
    ]);
  });
});
