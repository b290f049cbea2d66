import { randomBytes, randomUUID } from "node:crypto";
import { authenticator as totp } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { createOperatorKey } from "../../src/transfer/operator-key.js";
import { adminKey, adminOk } from "../admin/admin-client.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { argon2id, authenticator, exportText, importText, origin, softwareCredential, uuidHandle } from "./transfer-harness.js";

// Users of every product go into one database through the imports, are exported with their TOTP
// secrets sealed under an operator key, imported into an empty database (another server, another
// TESSERA_SECRET_KEY) and exported again: the two exports are the same bytes, and the users log in
// on the second server with their old password, passkey and TOTP secret. What the users did on
// the first server comes along too: an operator's lock, the product a user was created through, a
// linked provider identity, and the TOTP step last used (its code does not log in again).

const accessPoint = `ap${randomBytes(6).toString("hex")}`;
const apiKey = randomBytes(24).toString("base64url");
const operatorKey = createOperatorKey(randomBytes(32));
const password = "round trip password 1";
const totpSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

const hankoUser = randomUUID();
const hankoKey = softwareCredential(uuidHandle(hankoUser));
const factorUser = randomUUID();
const factorEmail = `factors-${factorUser}@example.com`;
const factorDevice = softwareCredential(uuidHandle(factorUser));
const authfiSource = `authfi-user-${randomUUID()}`;
const authfiKey = softwareCredential(Buffer.from(authfiSource));

let source: TestServer;
let target: TestServer;
let first: string;
let second: string;
let reimport: Awaited<ReturnType<typeof importText>>;
let lockedUser: string;
/** The TOTP step the first server accepted a code for: the step before the current one. */
let usedStep: number;
const usedCode = () => totp.clone({ epoch: usedStep * 30_000 }).generate(totpSecret);
const lockReason = "left the company";
const linked = { provider: "github", subject: `gh-${randomBytes(4).toString("hex")}`, claims: { sub: "12345", login: "alan" } };

/** Logs the Authenticator API user in with the password: the token and client id a code is verified with. */
async function factorLogin(server: TestServer): Promise<Record<string, string>> {
  const login = await rest(server.url, "POST", "/api/v1/login", { body: { email: factorEmail, password } });
  expect(login.status, login.text).toBe(200);
  const held = login.json as { token: string; clientID: string };
  return { authorization: `Bearer ${held.token}`, cookie: `CLIENTID=${held.clientID}` };
}

const device = (made: ReturnType<typeof softwareCredential>, signCount: number) => ({
  credential_id: made.id,
  public_key: made.publicKey,
  sign_count: signCount,
  transports: ["usb", "nfc"],
  aaguid: "ee882879-721c-4913-9775-3dfcce97072a",
  backup_eligible: true,
  backed_up: false,
  name: "key",
  created_at: "2024-05-06T07:08:09Z",
  last_used_at: "2024-06-01T00:00:00Z",
});

beforeAll(async () => {
  const env = { ORIGIN: origin, RP_NAME: "Example", HANKO_PASSWORDS_ENABLED: "true", AUTHFI_ACCESS_POINT: accessPoint, AUTHFI_API_KEY: apiKey, ADMIN_API_KEY: adminKey };
  source = await startTestServer(env);
  target = await startTestServer(env);
  const hanko = {
    user_id: hankoUser,
    emails: [
      { address: `hanko-${hankoUser}@example.com`, is_primary: true, is_verified: true },
      { address: `hanko-old-${hankoUser}@example.com`, is_primary: false, is_verified: false },
    ],
    password: { password: await argon2id(password) },
    webauthn_credentials: [{ id: hankoKey.id, public_key: hankoKey.publicKey, sign_count: 9, transports: ["internal"], backup_eligible: true, backup_state: true, created_at: "2024-08-17T12:06:00Z" }],
    created_at: "2024-08-17T12:05:15Z",
    updated_at: "2024-08-18T00:00:00Z",
  };
  const factors = {
    id: factorUser,
    email: factorEmail,
    phone: `+1555${String(Date.now()).slice(-7)}`,
    password_hash: await argon2id(password),
    is_code_allowed: false,
    is_totp_allowed: true,
    is_device_allowed: true,
    totp_secret: totpSecret,
    devices: [device(factorDevice, 12)],
    created_at: "2024-05-06T07:00:00Z",
  };
  const authfi = { access_point: accessPoint, id: authfiSource, name: `alan-${accessPoint}`, display_name: "Alan T.", state: "activate", keys: [device(authfiKey, 3)] };
  expect((await importText(source, "hanko", JSON.stringify([hanko]))).summary).toEqual({ imported: 1, unchanged: 0, refused: 0 });
  expect((await importText(source, "authenticator", JSON.stringify(factors))).summary).toEqual({ imported: 1, unchanged: 0, refused: 0 });
  expect((await importText(source, "authfi", JSON.stringify(authfi))).summary).toEqual({ imported: 1, unchanged: 0, refused: 0 });

  // A user created through Hanko's API, linked to a provider identity through its email, then locked by the operator.
  const lockedEmail = `locked-${randomUUID()}@example.com`;
  const created = await rest(source.url, "POST", "/users", { body: { email: lockedEmail } });
  expect(created.status, created.text).toBe(200);
  lockedUser = (created.json as { user_id: string }).user_id;
  const db = source.app.database.db;
  const emailRow = await db.selectFrom("emails").select("id").where("address", "=", lockedEmail).executeTakeFirstOrThrow();
  await db
    .insertInto("identities")
    .values({ tenant_id: "00000000-0000-0000-0000-000000000000", user_id: lockedUser, provider: linked.provider, provider_user_id: linked.subject, email_id: emailRow.id, data: JSON.stringify(linked.claims), created_at: new Date("2024-09-01T10:00:00Z"), updated_at: new Date("2024-09-02T10:00:00Z") })
    .execute();
  await adminOk("rest", source, "lockUser", { userId: lockedUser, reason: lockReason });

  // The Authenticator API user verifies a TOTP code of the previous step on the first server
  // (again, from a new login, when a step began between reading the clock and the server's check).
  let verified: Awaited<ReturnType<typeof rest>> | undefined;
  for (let attempt = 0; attempt < 2 && verified?.status !== 200; attempt++) {
    const headers = await factorLogin(source);
    usedStep = Math.floor(Date.now() / 30_000) - 1;
    verified = await rest(source.url, "POST", "/api/v1/login/verify-code", { body: { code: usedCode() }, headers });
  }
  expect(verified?.status, verified?.text).toBe(200);

  first = await exportText(source, operatorKey);
  reimport = await importText(target, "tessera", first, { exportKey: operatorKey, batchSize: 2 });
  second = await exportText(target, operatorKey);
});
afterAll(async () => {
  closeGrpcClients();
  await source?.close();
  await target?.close();
});

describe("export, import into an empty database, export again", () => {
  it("imports every exported user and refuses none", () => {
    expect(first.trim().split("\n")).toHaveLength(4);
    expect(reimport.summary).toEqual({ imported: 4, unchanged: 0, refused: 0 });
    expect(reimport.refused).toEqual([]);
  });

  it("exports the same bytes from the second database", () => {
    expect(second).toBe(first);
  });

  it("carries the TOTP secret sealed, never clear", () => {
    expect(first).not.toContain(totpSecret);
    const line = JSON.parse(first.split("\n").find((text) => text.includes(factorUser)) ?? "{}") as { factors?: { totp?: { sealed?: string } } };
    expect(line.factors?.totp?.sealed).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it("withholds TOTP secrets from an export without the operator key", async () => {
    const plain = await exportText(target);
    expect(plain).not.toContain(totpSecret);
    expect(plain).not.toContain('"sealed"');
    expect(plain).toContain('"totp":null');
  });

  it("changes nothing when the export is imported again", async () => {
    expect((await importText(target, "tessera", first, { exportKey: operatorKey })).summary).toEqual({ imported: 0, unchanged: 4, refused: 0 });
    expect(await exportText(target, operatorKey)).toBe(first);
  });
});

describe("what the users did on the first server", () => {
  const lineOf = (userId: string) => JSON.parse(second.split("\n").find((text) => text.includes(userId)) ?? "{}") as Record<string, unknown>;

  it("is in the export of the second database: the lock, the product, the linked identity, the TOTP step used", () => {
    expect(lineOf(lockedUser)).toMatchObject({
      locked: { at: expect.stringMatching(/^\d{4}-/) as unknown, reason: lockReason },
      createdThrough: "hanko",
      identities: [{ provider: linked.provider, providerUserId: linked.subject, email: expect.stringMatching(/^locked-/) as unknown, data: linked.claims, createdAt: "2024-09-01T10:00:00.000Z", updatedAt: "2024-09-02T10:00:00.000Z" }],
    });
    expect(lineOf(factorUser)).toMatchObject({ factors: { lastUsedStep: usedStep } });
    expect(lineOf(hankoUser)).toMatchObject({ locked: null, identities: [] });
  });

  it("keeps the locked user locked and created through Hanko", async () => {
    expect(await adminOk("rest", target, "getUser", { userId: lockedUser })).toMatchObject({ user: { id: lockedUser, locked: true, products: ["hanko"] } });
    expect(await adminOk("rest", target, "getUser", { userId: hankoUser })).toMatchObject({ user: { locked: false } });
  });

  it("refuses the TOTP code the first server accepted", async () => {
    const replay = await rest(target.url, "POST", "/api/v1/login/verify-code", { body: { code: usedCode() }, headers: await factorLogin(target) });
    expect(replay.status, replay.text).toBe(401);
  });
});

describe("the users on the second server", () => {
  it("log in over Hanko's REST API with the old password and passkey, the sign count going on", async () => {
    expect((await rest(target.url, "POST", "/password/login", { body: { user_id: hankoUser, password } })).status).toBe(200);
    const challenge = async () => ((await rest(target.url, "POST", "/webauthn/login/initialize", { body: {} })).json as { publicKey: { challenge: string } }).publicKey.challenge;
    expect((await rest(target.url, "POST", "/webauthn/login/finalize", { body: authenticator.get(hankoKey.credential, await challenge(), { counter: 9, withUserHandle: true }) })).status).toBe(401);
    expect(await rest(target.url, "POST", "/webauthn/login/finalize", { body: authenticator.get(hankoKey.credential, await challenge(), { counter: 10, withUserHandle: true }) })).toMatchObject({ status: 200, json: { user_id: hankoUser } });
  });

  it("log in over the Authenticator API with the old password and the re-sealed TOTP secret", async () => {
    const verified = await rest(target.url, "POST", "/api/v1/login/verify-code", { body: { code: totp.generate(totpSecret) }, headers: await factorLogin(target) });
    expect(verified.status, verified.text).toBe(200);
  });

  it("log in over AuthFi's API with the old key under the old user handle", async () => {
    const begin = await rest(target.url, "POST", `/${accessPoint}/api/v1/webauthn/login`, { body: { params: { userVerification: "required" } }, headers: { "AT-X-KEY": apiKey } });
    expect(begin.json).toMatchObject({ code: 0 });
    const challenge = (begin.json as { fido_login_request: { challenge: string } }).fido_login_request.challenge;
    const login = await rest(target.url, "PUT", `/${accessPoint}/api/v1/webauthn/login`, { body: { fido_login_response: authenticator.get(authfiKey.credential, challenge, { counter: 4, withUserHandle: true }) }, headers: { "AT-X-KEY": apiKey } });
    expect(login).toMatchObject({ status: 200, json: { code: 0, user: { name: `alan-${accessPoint}` }, key_info: { counter: 4 } } });
  });
});

describe.each(rpcTransports)("a round-tripped user over %s", (transport) => {
  it("logs in with the old password", async () => {
    const session = (method: string, input: Record<string, unknown>) => callRpc(transport, target.url, SessionService, SessionServiceService, method, input);
    expect(await session("loginWithPassword", { userId: hankoUser, password })).toMatchObject({ ok: true });
    expect(await session("loginWithPassword", { userId: hankoUser, password: "not the password" })).toMatchObject({ ok: false });
  });
});
