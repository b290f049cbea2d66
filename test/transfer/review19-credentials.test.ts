import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/server.js";
import { importText } from "./transfer-harness.js";

// Review of issue 19: a WebAuthn credential that can never verify is refused at import with its
// line and reason, as a password hash that cannot verify is; it is not stored to fail at login.

let server: TestServer;
const run = randomUUID().slice(0, 8);
const cose = "pQECAyYgASFYIFLhrpYalM-lIIaAtvUhMq6KHKJRrg_C5WK3ez4BekrvIlgggpLTlplLCyW-CQFY2PT1luEcaRbsSTZVmRffgelWJKc";

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("review 19: imported credentials", () => {
  it("refuses a device whose public key is not a COSE key", async () => {
    const text = `${JSON.stringify({ id: randomUUID(), email: `cose-${run}@example.com`, devices: [{ credential_id: "AAAA", public_key: "AAAA", sign_count: 1 }] })}\n`;
    const result = await importText(server, "authenticator", text);
    expect(result.summary).toMatchObject({ imported: 0, refused: 1 });
    expect(result.refused[0]?.line).toBe(1);
    expect(result.refused[0]?.reason).toMatch(/public_key/);
  }, 60_000);

  it("names the duplicate when one user lists the same credential id twice", async () => {
    const device = { credential_id: `dup${run}`, public_key: cose, sign_count: 1 };
    const text = `${JSON.stringify({ id: randomUUID(), email: `dup-${run}@example.com`, devices: [device, device] })}\n`;
    const result = await importText(server, "authenticator", text);
    expect(result.summary).toMatchObject({ imported: 0, refused: 1 });
    expect(result.refused[0]?.reason).not.toContain("another user");
  }, 60_000);
});
