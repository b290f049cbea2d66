import { Code } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { WebAuthnServiceService } from "../../gen/grpc-js/tessera/webauthn/v1/webauthn.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { argon2id, authenticator, exportText, importText, origin, softwareCredential, type ImportResult } from "./transfer-harness.js";

let server: TestServer;
const userId = randomUUID();
const legacyId = `legacy-${randomUUID()}`;
const password = "correct horse battery staple";
const first = softwareCredential();
const second = softwareCredential();
const legacy = softwareCredential(Buffer.from(legacyId));
let fixture: string;
let firstRun: ImportResult;

function credential(made: ReturnType<typeof softwareCredential>, signCount: number, extra: Record<string, unknown> = {}) {
  return {
    id: made.id,
    name: null,
    public_key: made.publicKey,
    attestation_type: "none",
    aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503",
    sign_count: signCount,
    last_used_at: null,
    created_at: "2024-08-17T12:06:00Z",
    updated_at: "2024-08-17T12:06:00Z",
    transports: ["internal", "hybrid", "not-a-transport"],
    backup_eligible: true,
    backup_state: false,
    mfa_only: false,
    user_handle: null,
    ...extra,
  };
}

beforeAll(async () => {
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example", HANKO_PASSWORDS_ENABLED: "true" });
  const users = [
    {
      user_id: userId,
      emails: [
        { address: `Ada-${userId}@Example.com`, is_primary: true, is_verified: true },
        { address: `ada-old-${userId}@example.com`, is_primary: false, is_verified: false },
      ],
      username: "Ada_Lovelace",
      password: { password: await argon2id(password), created_at: "2024-08-17T12:05:15Z" },
      otp_secret: null,
      webauthn_credentials: [credential(first, 41, { name: "MacBook" }), credential(second, 0, { created_at: "2024-08-19T00:00:00Z" })],
      created_at: "2024-08-17T12:05:15.651387237Z",
      updated_at: "2024-08-18T00:00:00Z",
    },
    {
      user_id: legacyId,
      emails: [{ address: `grace-${userId}@example.com`, is_primary: true, is_verified: false }],
      password: null,
      otp_secret: { secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" },
      webauthn_credentials: [credential(legacy, 5, { user_handle: legacyId })],
    },
    { user_id: randomUUID(), emails: [{ address: `md5-${userId}@example.com`, is_primary: true, is_verified: true }], password: { password: "5f4dcc3b5aa765d61d8327deb882cf99" }, otp_secret: null },
    { user_id: randomUUID(), emails: [{ address: `a-${userId}@example.com`, is_primary: true, is_verified: true }, { address: `b-${userId}@example.com`, is_primary: true, is_verified: true }], password: null, otp_secret: null },
  ];
  // Hanko writes a JSON array; one element per line here so that line numbers are the users'.
  fixture = `[\n${users.map((user) => JSON.stringify(user)).join(",\n")},\n{"user_id": "broken", "emails": [}\n]\n`;
  firstRun = await importText(server, "hanko", fixture);
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

type LoginOptions = { publicKey: { challenge: string } };

async function loginChallenge(body: Record<string, unknown> = {}): Promise<string> {
  const init = await rest(server.url, "POST", "/webauthn/login/initialize", { body });
  expect(init.status).toBe(200);
  return (init.json as LoginOptions).publicKey.challenge;
}

describe("importing Hanko's user export", () => {
  it("imports the good users and refuses each bad record with its line and reason", () => {
    expect(firstRun.summary).toEqual({ imported: 2, unchanged: 0, refused: 3 });
    expect(firstRun.refused).toEqual([
      { line: 4, reason: "password.password: looks like an unsalted MD5 digest: refused as weak" },
      { line: 5, reason: "more than one primary email" },
      { line: 6, reason: 'the JSON array is broken here (a "}" that closes nothing open); the rest of the file is not read' },
    ]);
    expect([...firstRun.mapped.keys()]).toEqual([legacyId]);
  });

  it("changes nothing on a second run and says so", async () => {
    const again = await importText(server, "hanko", fixture);
    expect(again.summary).toEqual({ imported: 0, unchanged: 2, refused: 3 });
    expect(again.mapped).toEqual(firstRun.mapped);
  });

  it("keeps ids, contacts with their flags, credentials and times", async () => {
    const lines = (await exportText(server)).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    const user = lines.find((line) => line.id === userId);
    expect(user).toMatchObject({
      tenant: "default",
      createdAt: "2024-08-17T12:05:15.651Z",
      updatedAt: "2024-08-18T00:00:00.000Z",
      emails: [
        { address: `ada-${userId}@example.com`, verified: true, primary: true },
        { address: `ada-old-${userId}@example.com`, verified: false, primary: false },
      ],
      factors: null,
    });
    expect(user?.webauthn).toEqual([
      expect.objectContaining({ credentialId: first.id, publicKey: first.publicKey, signCount: 41, transports: ["internal", "hybrid"], aaguid: "adce0002-35bc-c60a-648b-0b25f1f05503", backupEligible: true, backedUp: false, name: "MacBook", product: "hanko" }),
      expect.objectContaining({ credentialId: second.id, signCount: 0, name: null }),
    ]);
    expect(lines.find((line) => line.id === firstRun.mapped.get(legacyId))).toMatchObject({ factors: { isTotpAllowed: true, totp: null } });
  });

  it("logs the user in over REST with the old password", async () => {
    expect((await rest(server.url, "POST", "/password/login", { body: { user_id: userId, password: "wrong password 1" } })).status).toBe(401);
    const login = await rest(server.url, "POST", "/password/login", { body: { user_id: userId, password } });
    expect(login.status).toBe(200);
    expect(String(login.headers["x-auth-token"])).toMatch(/^ey/);
  });

  it("logs the user in over REST with the old passkey, the sign count going on from the imported one", async () => {
    // A cloned authenticator replays a counter the original already reached: refused.
    const replayed = await rest(server.url, "POST", "/webauthn/login/finalize", { body: authenticator.get(first.credential, await loginChallenge({ user_id: userId }), { counter: 41 }) });
    expect(replayed.status).toBe(401);
    const login = await rest(server.url, "POST", "/webauthn/login/finalize", { body: authenticator.get(first.credential, await loginChallenge({ user_id: userId }), { counter: 42 }) });
    expect(login).toMatchObject({ status: 200, json: { user_id: userId } });
  });

  it("logs a user whose id was not a UUID in with a discoverable passkey holding the old user handle", async () => {
    const login = await rest(server.url, "POST", "/webauthn/login/finalize", { body: authenticator.get(legacy.credential, await loginChallenge(), { counter: 6, withUserHandle: true }) });
    expect(login).toMatchObject({ status: 200, json: { user_id: firstRun.mapped.get(legacyId) } });
  });

  it("validates and counts in a dry run without storing anything", async () => {
    const id = randomUUID();
    const dry = await importText(server, "hanko", `${JSON.stringify({ user_id: id, emails: [{ address: `dry-${id}@example.com`, is_primary: true, is_verified: true }] })}\nnot json\n`, { dryRun: true });
    expect(dry.summary).toEqual({ imported: 1, unchanged: 0, refused: 1 });
    expect(dry.refused).toEqual([{ line: 2, reason: "not JSON" }]);
    expect(await exportText(server)).not.toContain(id);
  });
});

describe("an imported Hanko username", () => {
  it("is kept, lower-cased, in the export", async () => {
    // The user's own line: the other users' email addresses hold its id too.
    const lines = (await exportText(server)).trim().split("\n").map((text) => JSON.parse(text) as { id: string });
    expect(lines.find((line) => line.id === userId)).toMatchObject({ username: "ada_lovelace" });
  });

  it("logs the user in over REST with the old password, whatever its case; a wrong password or an unknown username does not", async () => {
    const login = (body: Record<string, unknown>) => rest(server.url, "POST", "/password/login", { body });
    expect(await login({ username: "ADA_lovelace", password })).toMatchObject({ status: 200 });
    expect((await login({ username: "ada_lovelace", password: "wrong password 3" })).status).toBe(401);
    expect((await login({ username: "nobody_here", password })).status).toBe(401);
    expect((await login({ username: "ada_lovelace", user_id: userId, password })).status).toBe(400);
  });
});

describe.each(rpcTransports)("an imported Hanko user over %s", (transport) => {
  const session = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, SessionService, SessionServiceService, method, input);
  const webauthn = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, WebAuthnService, WebAuthnServiceService, method, input);
  const toRpc = (json: { response: Record<string, unknown> }) => ({ ...json, response: { ...json.response, clientDataJson: json.response.clientDataJSON, clientDataJSON: undefined } });

  it("logs in with the old password and the old passkey", async () => {
    expect(await session("loginWithPassword", { userId, password })).toMatchObject({ ok: true, output: { session_lifetime: 3600 } });
    expect(await session("loginWithPassword", { userId, password: "wrong password 2" })).toMatchObject({ ok: false, code: Code.Unauthenticated });
    expect(await session("loginWithPassword", { username: "Ada_Lovelace", password })).toMatchObject({ ok: true, output: { session_lifetime: 3600 } });
    expect(await session("loginWithPassword", { username: "unknown_user", password })).toMatchObject({ ok: false, code: Code.Unauthenticated });
    const init = await webauthn("initializeLogin", { userId });
    if (!init.ok) throw new Error(init.message);
    const challenge = (init.output.publicKey as { challenge: string }).challenge;
    expect(await webauthn("finalizeLogin", toRpc(authenticator.get(second.credential, challenge)))).toMatchObject({ ok: true, output: { user_id: userId } });
  });
});
