import { sql } from "kysely";
import { authenticator as otp } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authfi, loginChallenge } from "../authfi/authfi-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminKey, adminOk, adminTransports } from "./admin-client.js";
import {
  api,
  auth,
  authenticator,
  authenticatorAccount,
  authenticatorLoginAttempt,
  authfiKey,
  hankoDiscoverableAttempt,
  hankoPasskey,
  hankoPasskeyAttempt,
  hankoUser,
  startAdminWorld,
  type AdminWorld,
} from "./admin-fixtures.js";

// The acts of issue 17's list that the audit-events table did not drive: a login succeeded with
// each factor (passcode aside, that file has it), a passkey login refused, a credential removed
// by its user in Hanko and AuthFi, a password set and changed and the second factors changed in
// the Authenticator API, a rate limit tripped, and the admin API's own acts (a webhook created,
// a session revoked, a credential removed, a user unlocked and deleted) with the admin key's id.
// Each must be listed by ListAuditEvents over every transport, with no secret the acts used in it.

let world: AdminWorld;
const ids: Record<string, string> = {};
const secrets: string[] = [adminKey];

beforeAll(async () => {
  world = await startAdminWorld();
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

/** The acts (in a test: the mail helpers poll the sink with expect.poll). */
async function act(): Promise<void> {
  const { server } = world;
  const created = await adminOk("rest", server, "createWebhook", { url: "http://127.0.0.1:9/never" });
  ids.webhook = String((created.webhook as { id: string }).id);
  secrets.push(String(created.secret));

  // Hanko: a passkey registered, a login with it, one with a credential it does not hold, the passkey removed.
  const hanko = await hankoUser(world);
  ids.hanko = hanko.userId;
  secrets.push(hanko.password, hanko.token);
  const passkey = await hankoPasskey(world, hanko);
  const login = await hankoPasskeyAttempt(world, hanko.userId, passkey);
  expect(login.status, login.text).toBe(200);
  secrets.push(String(login.headers["x-auth-token"]));
  ids.hankoCredential = passkey.id.toString("base64url");
  expect((await rest(server.url, "DELETE", `/webauthn/credentials/${ids.hankoCredential}`, { headers: hanko.bearer })).status).toBe(201);
  // The removed passkey no longer logs in: a refused (discoverable) passkey login.
  expect((await hankoDiscoverableAttempt(world, passkey)).status).toBe(401);

  // Hanko: six passcodes asked for in a minute, the sixth over the limit.
  for (let attempt = 0; attempt < 6; attempt++) await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: hanko.userId } });

  // The Authenticator API: a password set anew, a login with it and its code, the second factors changed (TOTP enrolled).
  const account = await authenticatorAccount(world);
  ids.authenticator = account.userId;
  secrets.push(account.password, account.token);
  const patch = (body: unknown, held = account) => api(server, "PATCH", `/user/${account.userId}`, { body, headers: auth(held) });
  const changed = "a brand new horse battery";
  expect((await patch({ password: changed, current_password: account.password })).status).toBe(200);
  secrets.push(changed);
  const signedIn = await authenticatorLoginAttempt(world, { ...account, password: changed });
  expect(signedIn.status, signedIn.text).toBe(200);
  const offered = await patch({ is_totp_allowed: true });
  expect(offered.status, offered.text).toBe(200);
  const totpSecret = (offered.json as { totp_secret: string }).totp_secret;
  secrets.push(totpSecret);
  expect((await patch({ is_totp_allowed: true, totp_code: otp.generate(totpSecret) })).status).toBe(200);

  // AuthFi: a login with the user's key, then the key deleted by the access point.
  const key = await authfiKey(world);
  ids.authfi = key.uuid;
  const authfiLogin = await authfi(server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(key.credential, await loginChallenge(server), { withUserHandle: true }) });
  expect(authfiLogin.status, authfiLogin.text).toBe(200);
  expect((await authfi(server, "DELETE", `/users/${key.userId}/keys/${key.keyId}`)).status).toBe(200);

  // The admin API: a second Hanko user's session revoked, their passkey removed, a lock and an unlock, then the user deleted.
  const managed = await hankoUser(world);
  ids.managed = managed.userId;
  secrets.push(managed.password, managed.token);
  await hankoPasskey(world, managed);
  const sessions = (await adminOk("grpc", server, "listUserSessions", { userId: managed.userId })).sessions as Array<{ id: string }>;
  await adminOk("connect", server, "revokeSession", { userId: managed.userId, sessionId: sessions[0]!.id });
  const credentials = (await adminOk("rest", server, "listCredentials", { userId: managed.userId })).credentials as Array<{ id: string }>;
  await adminOk("rest", server, "deleteCredential", { userId: managed.userId, credentialId: credentials[0]!.id });
  await adminOk("grpc", server, "lockUser", { userId: managed.userId, reason: "audit acts" });
  await adminOk("connect", server, "unlockUser", { userId: managed.userId });
  await adminOk("rest", server, "deleteUser", { userId: managed.userId });
}

type Event = { type: string; product: string; outcome: string; userId: string; reason: string; clientIp: string; actor: string; details: Record<string, string> };

// [what, type, product, outcome, whose (a key of ids, or null), details it must carry, by the admin key]
const expected: Array<[string, string, string, string, string | null, (ids: Record<string, string>) => Record<string, string>, boolean]> = [
  ["Hanko passkey registered", "credential.registered", "hanko", "success", "hanko", () => ({ kind: "webauthn" }), false],
  ["Hanko passkey login", "login.succeeded", "hanko", "success", "hanko", () => ({ factor: "webauthn" }), false],
  ["Hanko passkey login refused", "login.failed", "hanko", "failure", null, () => ({ factor: "webauthn" }), false],
  ["Hanko passkey removed by its user", "credential.removed", "hanko", "success", "hanko", (s) => ({ kind: "webauthn", credential_id: s.hankoCredential! }), false],
  ["Hanko passcode limit tripped", "rate_limit.tripped", "hanko", "failure", null, () => ({ limit: "hanko:passcode-send" }), false],
  ["Authenticator password changed", "password.changed", "authenticator", "success", "authenticator", () => ({}), false],
  ["Authenticator login with password and code", "login.succeeded", "authenticator", "success", "authenticator", () => ({ factor: "password+code" }), false],
  ["Authenticator second factors changed", "factor_settings.changed", "authenticator", "success", "authenticator", () => ({ totp: "true" }), false],
  ["AuthFi key login", "login.succeeded", "authfi", "success", "authfi", () => ({ factor: "webauthn" }), false],
  ["AuthFi key deleted", "credential.removed", "authfi", "success", "authfi", () => ({ kind: "webauthn" }), false],
  ["admin webhook created", "admin.action", "admin", "success", null, (s) => ({ action: "webhook.created", webhook_id: s.webhook! }), true],
  ["admin session revoked", "session.revoked", "admin", "success", "managed", () => ({}), true],
  ["admin credential removed", "credential.removed", "admin", "success", "managed", () => ({}), true],
  ["admin lock", "user.locked", "admin", "success", "managed", () => ({ reason: "audit acts" }), true],
  ["admin unlock", "user.unlocked", "admin", "success", "managed", () => ({}), true],
  ["admin delete", "user.deleted", "admin", "success", "managed", () => ({}), true],
];

describe("the acts", () => {
  it("go through", act, 120_000);
});

describe.each(adminTransports)("the acts in ListAuditEvents over %s", (transport) => {
  it.each(expected)("%s is recorded", async (_what, type, product, outcome, whose, details, byAdmin) => {
    const page = await adminOk(transport, world.server, "listAuditEvents", { filter: { types: [type], product, outcome, ...(whose === null ? {} : { userId: ids[whose]! }) }, pageSize: 200 });
    const events = (page.events ?? []) as Event[];
    const matching = events.filter((event) => event.clientIp === "127.0.0.1" && Object.entries(details(ids)).every(([name, value]) => event.details?.[name] === value));
    expect(matching.length, JSON.stringify(events)).toBeGreaterThan(0);
    for (const event of matching) expect(event.actor ?? "").toMatch(byAdmin ? /^[0-9a-f]{8}$/ : /^$/);
  });
});

describe("no secret the acts used", () => {
  it("is in any audit row", async () => {
    const text = JSON.stringify((await sql`select * from audit_events`.execute(world.server.app.database.db)).rows);
    expect(text.length).toBeGreaterThan(1000);
    expect(secrets.length).toBeGreaterThan(8);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(8);
      expect(text.includes(secret), `an event holds ${secret}`).toBe(false);
    }
  });
});
