import { Code } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { authenticator as totp } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { asMessage, authenticatorCall, held } from "../authenticator/rpc-client.js";
import { argon2id, authenticator, exportText, importText, origin, softwareCredential, uuidHandle, type ImportResult } from "./transfer-harness.js";

// A dump of the Authenticator API's users: email and phone accounts, verified or not, a password
// hash of each kind, TOTP secrets, devices, factor settings; then bad records. Each good user
// logs in over the Authenticator API (REST and RPC) with its old password and second factor.

let server: TestServer;
const run = randomUUID().slice(0, 8);
const password = "authenticator password 1";
const totpSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const totpUser = randomUUID();
const totpEmail = `totp-${run}@example.com`;
/** A TOTP user per RPC transport: a TOTP code counts once per user. */
const rpcTotpEmails = rpcTransports.map((transport) => `totp-${transport}-${run}@example.com`);
const deviceUser = randomUUID();
const deviceEmail = `device-${run}@example.com`;
const firstDevice = softwareCredential(uuidHandle(deviceUser));
const secondDevice = softwareCredential(uuidHandle(deviceUser));
const phoneSource = `42-${run}`;
const phoneNumber = `+4930${String(Date.now()).slice(-8)}`;
const bcryptHash = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";
let result: ImportResult;

const device = (made: ReturnType<typeof softwareCredential>, signCount: number, name: string, createdAt = "2024-05-06T07:08:09Z") => ({
  credential_id: made.id,
  public_key: Buffer.from(made.publicKey, "base64url").toString("base64"),
  sign_count: signCount,
  transports: ["usb", "nfc"],
  aaguid: "ee882879-721c-4913-9775-3dfcce97072a",
  backup_eligible: false,
  backed_up: false,
  name,
  created_at: createdAt,
});

beforeAll(async () => {
  server = await startTestServer({ ORIGIN: origin, RP_NAME: "Example" });
  const hash = await argon2id(password);
  const users: Record<string, unknown>[] = [
    { id: totpUser, email: totpEmail.toUpperCase(), email_verified: true, password_hash: hash, is_code_allowed: false, is_totp_allowed: true, is_device_allowed: false, totp_secret: totpSecret.toLowerCase(), created_at: "2024-05-06T07:00:00Z", updated_at: "2024-05-07T00:00:00Z" },
    { id: deviceUser, email: deviceEmail, password_hash: hash, is_code_allowed: false, is_device_allowed: true, devices: [device(firstDevice, 12, "security key"), device(secondDevice, 0, "backup key", "2024-05-08T00:00:00Z")] },
    // Not a UUID: mapped; a phone account, unverified, with a bcrypt hash.
    { id: phoneSource, phone: phoneNumber.replace("+4930", "+49 30 "), phone_verified: false, password_hash: bcryptHash },
    { id: randomUUID(), email: `no-secret-${run}@example.com`, is_totp_allowed: true },
    { id: randomUUID() },
    { id: randomUUID(), email: `short-${run}@example.com`, is_totp_allowed: true, totp_secret: "ABCDEF" },
    { id: randomUUID(), email: totpEmail },
    { id: randomUUID(), email: `sha1-${run}@example.com`, password_hash: "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8" },
  ];
  users.push(...rpcTotpEmails.map((email) => ({ id: randomUUID(), email, password_hash: hash, is_code_allowed: false, is_totp_allowed: true, totp_secret: totpSecret })));
  result = await importText(server, "authenticator", `${users.map((user) => JSON.stringify(user)).join("\n")}\n{"id":\n`);
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

const api = (method: string, path: string, options: Parameters<typeof rest>[3] = {}) => rest(server.url, method, `/api/v1${path}`, options);
const headersOf = (token: { token: string; clientId: string }) => ({ authorization: `Bearer ${token.token}`, cookie: `CLIENTID=${token.clientId}` });
const tokenOf = (json: unknown) => ({ token: (json as { token: string }).token, clientId: (json as { clientID: string }).clientID });

describe("importing the Authenticator API's users", () => {
  it("imports the good users and refuses each bad record with its line and reason", () => {
    expect(result.summary).toEqual({ imported: 3 + rpcTransports.length, unchanged: 0, refused: 6 });
    // In line order, although a conflict in the database is found only when its batch is stored.
    expect(result.refused).toEqual([
      { line: 4, reason: "is_totp_allowed without a totp_secret" },
      { line: 5, reason: "neither email nor phone" },
      { line: 6, reason: "totp_secret must be a base32 secret of at least 80 bits" },
      // The batch of all good users conflicts: each is stored alone, and only this one is refused.
      { line: 7, reason: "an email address of the user belongs to another user" },
      { line: 8, reason: "password_hash: looks like an unsalted SHA-1 digest: refused as weak" },
      { line: 9 + rpcTransports.length, reason: "not JSON" },
    ]);
    expect([...result.mapped.keys()]).toEqual([phoneSource]);
  });

  it("keeps contacts, factor settings and devices, and never writes the TOTP secret clear", async () => {
    const lines = (await exportText(server)).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.id === totpUser)).toMatchObject({
      emails: [{ address: totpEmail, verified: true, primary: true }],
      createdAt: "2024-05-06T07:00:00.000Z",
      updatedAt: "2024-05-07T00:00:00.000Z",
      factors: { isCodeAllowed: false, isTotpAllowed: true, isDeviceAllowed: false, totp: null },
    });
    expect(lines.find((line) => line.id === result.mapped.get(phoneSource))).toMatchObject({ phones: [{ number: phoneNumber, verified: false }], passwordHash: bcryptHash, factors: { isCodeAllowed: true } });
    expect(lines.find((line) => line.id === deviceUser)?.webauthn).toEqual([
      expect.objectContaining({ credentialId: firstDevice.id, publicKey: firstDevice.publicKey, signCount: 12, transports: ["usb", "nfc"], product: "authenticator", name: "security key" }),
      expect.objectContaining({ credentialId: secondDevice.id, signCount: 0, name: "backup key" }),
    ]);
    const stored = await server.app.database.db.selectFrom("authenticator_settings").select("totp_secret").where("user_id", "=", totpUser).executeTakeFirstOrThrow();
    expect(Buffer.from(stored.totp_secret ?? []).toString("utf8")).not.toContain(totpSecret);
    expect(stored.totp_secret?.length).toBeGreaterThan(totpSecret.length);
  });

  it("changes nothing on a second run", async () => {
    const again = await importText(server, "authenticator", JSON.stringify({ id: totpUser, email: totpEmail, is_totp_allowed: true, totp_secret: totpSecret }));
    expect(again.summary).toEqual({ imported: 0, unchanged: 1, refused: 0 });
  });

  it("logs the TOTP user in over REST with the old password and a code of the imported secret", async () => {
    expect((await api("POST", "/login", { body: { email: totpEmail, password: "wrong password" } })).status).toBe(401);
    const login = await api("POST", "/login", { body: { email: totpEmail, password } });
    expect(login.status, login.text).toBe(200);
    const wrong = totp.generate(totpSecret) === "000000" ? "111111" : "000000";
    expect((await api("POST", "/login/verify-code", { body: { code: wrong }, headers: headersOf(tokenOf(login.json)) })).status).toBe(401);
    const verified = await api("POST", "/login/verify-code", { body: { code: totp.generate(totpSecret) }, headers: headersOf(tokenOf(login.json)) });
    expect(verified.status, verified.text).toBe(200);
  });

  it("logs the device user in over REST with an imported device, the sign count going on from the imported one", async () => {
    const challenge = async () => {
      const login = await api("POST", "/login", { body: { email: deviceEmail, password } });
      expect(login.status, login.text).toBe(200);
      const options = await api("GET", "/login/verify-device", { headers: headersOf(tokenOf(login.json)) });
      expect(options.status, options.text).toBe(200);
      return { headers: headersOf(tokenOf(login.json)), challenge: (options.json as { publicKey: { challenge: string } }).publicKey.challenge };
    };
    const cloned = await challenge();
    expect((await api("POST", "/login/verify-device", { body: authenticator.get(firstDevice.credential, cloned.challenge, { counter: 12 }), headers: cloned.headers })).status).toBe(401);
    const good = await challenge();
    expect((await api("POST", "/login/verify-device", { body: authenticator.get(firstDevice.credential, good.challenge, { counter: 13 }), headers: good.headers })).status).toBe(200);
  });

  it("logs the mapped phone user in over REST with the old bcrypt password", async () => {
    expect((await api("POST", "/login", { body: { phone: phoneNumber, password: "rasmuslerdorf" } })).status).toBe(200);
  });
});

describe.each(rpcTransports)("an imported Authenticator API user over %s", (transport) => {
  const call = authenticatorCall(transport, () => server);

  it("logs in with the old password and TOTP code, and with an imported device", async () => {
    const email = rpcTotpEmails[rpcTransports.indexOf(transport)];
    expect(await call("LogIn", { email, password: "wrong password" })).toMatchObject({ ok: false, code: Code.Unauthenticated });
    const identified = held(await call("LogIn", { email, password }));
    expect(await call("VerifyLoginCode", { code: totp.generate(totpSecret) }, { authorization: `Bearer ${identified.token}`, cookie: `CLIENTID=${identified.clientId}` })).toMatchObject({ ok: true });

    const withDevice = held(await call("LogIn", { email: deviceEmail, password }));
    const headers = { authorization: `Bearer ${withDevice.token}`, cookie: `CLIENTID=${withDevice.clientId}` };
    const challenge = await call("GetLoginDeviceChallenge", {}, headers);
    if (!challenge.ok) throw new Error(challenge.message);
    const assertion = authenticator.get(secondDevice.credential, (challenge.output.publicKey as { challenge: string }).challenge);
    expect(await call("VerifyLoginDevice", asMessage(assertion), headers)).toMatchObject({ ok: true });
  });
});
