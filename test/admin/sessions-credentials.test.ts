import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authfi, loginChallenge } from "../authfi/authfi-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminCall, adminOk, adminTransports } from "./admin-client.js";
import { api, auth, authenticator, authfiKey, everywhereUser, hankoPasscodeLogin, hankoPasskeyAttempt, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

let world: AdminWorld;
beforeAll(async () => {
  world = await startAdminWorld();
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

type Session = { id: string; type: string; product: string; state: string };
type Credential = { id: string; type: string; product: string };

const unknownUser = "00000000-0000-4000-8000-000000000000";

describe.each(adminTransports)("sessions and tokens over %s", (transport) => {
  const sessionsOf = async (userId: string) => ((await adminOk(transport, world.server, "listUserSessions", { userId })).sessions as Session[]).sort((a, b) => a.type.localeCompare(b.type));
  const meStatus = async (token: string) => (await rest(world.server.url, "GET", "/me", { headers: { authorization: `Bearer ${token}` } })).status;

  it("lists a user's live sessions of every product and revokes one of them", async () => {
    const person = await everywhereUser(world);
    const userId = person.account.userId;
    const sessions = await sessionsOf(userId);
    expect(sessions).toMatchObject([
      { type: "authenticator_token", product: "authenticator", state: "authorized" },
      { type: "hanko_session", product: "hanko" },
    ]);
    expect(await adminOk(transport, world.server, "revokeSession", { userId, sessionId: sessions[1]!.id })).toEqual({});
    expect(await meStatus(person.hanko.token)).toBe(401);
    expect((await api(world.server, "GET", "/token/verify", { headers: auth(person.account) })).status).toBe(200);
    expect((await sessionsOf(userId)).map((session) => session.type)).toEqual(["authenticator_token"]);
    expect(await adminCall(transport, world.server, "revokeSession", { userId, sessionId: sessions[1]!.id })).toMatchObject({ ok: false, error: "not_found" });
  });

  it("revokes every session and token of the user in every product, and only theirs", async () => {
    const person = await everywhereUser(world);
    const other = await everywhereUser(world);
    const userId = person.account.userId;
    const second = await hankoPasscodeLogin(world, userId, person.account.contact);
    expect(await adminOk(transport, world.server, "revokeUserSessions", { userId })).toEqual({ revoked: 3 });
    for (const token of [person.hanko.token, second]) expect(await meStatus(token)).toBe(401);
    expect((await api(world.server, "GET", "/token/verify", { headers: auth(person.account) })).status).toBe(401);
    expect(await sessionsOf(userId)).toEqual([]);
    expect(await meStatus(other.hanko.token)).toBe(200);
    expect((await api(world.server, "GET", "/token/verify", { headers: auth(other.account) })).status).toBe(200);
    expect(await adminOk(transport, world.server, "revokeUserSessions", { userId })).toEqual({ revoked: 0 });
  });

  it("answers not_found for another user's session, an id it did not give, and an unknown user", async () => {
    const person = await everywhereUser(world);
    const other = await everywhereUser(world);
    const [theirs] = await sessionsOf(other.account.userId);
    for (const sessionId of [theirs!.id, "hanko_session:not-a-uuid", "nonsense", `hanko_session:${unknownUser}`]) {
      expect(await adminCall(transport, world.server, "revokeSession", { userId: person.account.userId, sessionId }), sessionId).toMatchObject({ ok: false, error: "not_found" });
    }
    expect(await meStatus(other.hanko.token)).toBe(200);
    for (const method of ["listUserSessions", "revokeUserSessions", "listCredentials"]) {
      expect(await adminCall(transport, world.server, method, { userId: unknownUser }), method).toMatchObject({ ok: false, error: "not_found" });
    }
  });
});

describe.each(adminTransports)("credentials over %s", (transport) => {
  const credentialsOf = async (userId: string) => ((await adminOk(transport, world.server, "listCredentials", { userId })).credentials as Credential[]).sort((a, b) => a.type.localeCompare(b.type));

  it("lists a user's passkey and TOTP secret and deletes each: the passkey stops logging in, TOTP is turned off", async () => {
    const person = await everywhereUser(world);
    const userId = person.account.userId;
    const credentials = await credentialsOf(userId);
    expect(credentials).toMatchObject([
      { type: "totp", product: "authenticator" },
      { type: "webauthn", product: "hanko" },
    ]);
    expect((await hankoPasskeyAttempt(world, userId, person.passkey)).status).toBe(200);

    expect(await adminOk(transport, world.server, "deleteCredential", { userId, credentialId: credentials[1]!.id })).toEqual({});
    expect((await hankoPasskeyAttempt(world, userId, person.passkey)).status).toBeGreaterThanOrEqual(400);
    expect(await adminOk(transport, world.server, "deleteCredential", { userId, credentialId: credentials[0]!.id })).toEqual({});
    expect(await credentialsOf(userId)).toEqual([]);
    expect(await adminOk(transport, world.server, "getUser", { userId })).toMatchObject({ factors: { totpEnrolled: false, totpAllowed: false } });
    expect(await adminCall(transport, world.server, "deleteCredential", { userId, credentialId: credentials[1]!.id })).toMatchObject({ ok: false, error: "not_found" });
  });

  it("lists and deletes an AuthFi key, which then no longer logs in", async () => {
    const key = await authfiKey(world);
    const credentials = await credentialsOf(key.uuid);
    expect(credentials).toMatchObject([{ type: "webauthn", product: "authfi" }]);
    expect(await adminOk(transport, world.server, "deleteCredential", { userId: key.uuid, credentialId: credentials[0]!.id })).toEqual({});
    const login = await authfi(world.server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(key.credential, await loginChallenge(world.server), { withUserHandle: true }) });
    expect(login.status).toBeGreaterThanOrEqual(400);
  });

  it("answers not_found for another user's credential and one it did not give", async () => {
    const person = await everywhereUser(world);
    const other = await everywhereUser(world);
    const theirs = await credentialsOf(other.account.userId);
    for (const credentialId of [...theirs.map((credential) => credential.id), "webauthn:nope", "totp:", "nonsense"]) {
      expect(await adminCall(transport, world.server, "deleteCredential", { userId: person.account.userId, credentialId }), credentialId).toMatchObject({ ok: false, error: "not_found" });
    }
    expect(await credentialsOf(other.account.userId)).toHaveLength(2);
  });
});
