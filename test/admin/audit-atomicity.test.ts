import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { authfi, loginChallenge } from "../authfi/authfi-client.js";
import { logIn } from "../authenticator/authenticator-client.js";
import { adminCall, adminTransports } from "./admin-client.js";
import { api, auth, authenticator, authenticatorAccount, authfiKey, hankoPasskey, hankoPasskeyAttempt, hankoUser, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// An act and its audit event commit or fail together: with the audit insert made to fail (a
// trigger this file installs, raising an outage's SQLSTATE for the event types named in
// audit_fault), the act answers unavailable and leaves nothing of itself behind.

let world: AdminWorld;
const db = () => world.server.app.database.db;

beforeAll(async () => {
  world = await startAdminWorld({ HANKO_ALLOW_DELETION: "true" });
  await sql`create table audit_fault (type text primary key)`.execute(db());
  await sql`create function audit_fault_raise() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from audit_fault where type = new.type) then
        raise exception 'audit insert refused by the test' using errcode = '57P03';
      end if;
      return new;
    end $$`.execute(db());
  await sql`create trigger audit_fault_trigger before insert on audit_events for each row execute function audit_fault_raise()`.execute(db());
});
afterEach(async () => {
  await sql`delete from audit_fault`.execute(db());
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

const failAudit = (type: string) => sql`insert into audit_fault (type) values (${type})`.execute(db());

/** How many rows of each table holding `user_id` are the user's (the audit trail aside), and whether the user row is there. */
async function footprint(userId: string): Promise<Record<string, number>> {
  const tables = (await sql<{ table_name: string }>`select table_name from information_schema.columns where column_name = 'user_id' and table_schema = current_schema()`.execute(db())).rows
    .map((row) => row.table_name)
    .filter((table) => table !== "audit_events" && table !== "audit_fault");
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where user_id::text = ${userId}`.execute(db());
    if ((rows[0]?.n ?? 0) > 0) counts[table] = rows[0]!.n;
  }
  const user = await sql<{ n: number }>`select count(*)::int as n from users where id = ${userId}::uuid`.execute(db());
  counts.users = user.rows[0]!.n;
  return counts;
}

const eventsOf = async (userId: string, type: string) => (await sql<{ n: number }>`select count(*)::int as n from audit_events where user_id::text = ${userId} and type = ${type}`.execute(db())).rows[0]!.n;

describe.each(adminTransports)("admin acts whose audit event cannot be written, over %s", (transport) => {
  it("DeleteUser answers unavailable and the user keeps every row; RevokeUserSessions and LockUser likewise", async () => {
    const user = await hankoUser(world);
    const before = await footprint(user.userId);
    expect(before).toMatchObject({ users: 1, emails: 1, passwords: 1, sessions: 1 });

    await failAudit("user.deleted");
    const deleted = await adminCall(transport, world.server, "deleteUser", { userId: user.userId });
    expect(deleted).toMatchObject({ ok: false, error: "unavailable" });
    expect(deleted.ok ? "ok" : deleted.status).toBe(transport === "rest" ? 503 : undefined);
    expect(await footprint(user.userId)).toEqual(before);
    expect(await eventsOf(user.userId, "user.deleted")).toBe(0);

    await failAudit("session.revoked");
    expect(await adminCall(transport, world.server, "revokeUserSessions", { userId: user.userId })).toMatchObject({ ok: false, error: "unavailable" });
    expect((await rest(world.server.url, "GET", "/me", { headers: user.bearer })).status).toBe(200);

    await failAudit("user.locked");
    expect(await adminCall(transport, world.server, "lockUser", { userId: user.userId })).toMatchObject({ ok: false, error: "unavailable" });
    expect((await sql<{ locked_at: Date | null }>`select locked_at from users where id = ${user.userId}::uuid`.execute(db())).rows[0]?.locked_at).toBeNull();
  });
});

/** The webhook endpoints as stored (what the outbox delivers to), and the admin.action events of webhook changes. */
const webhookRows = async () => (await sql<{ id: string; url: string; enabled: boolean }>`select id::text, url, enabled from webhooks order by id`.execute(db())).rows;
const webhookActions = async () =>
  (await sql<{ action: string; webhook_id: string; actor: string | null }>`select details->>'action' as action, details->>'webhook_id' as webhook_id, actor from audit_events where type = 'admin.action' and details->>'action' like 'webhook.%' order by sequence`.execute(db())).rows;

// A webhook that receives every event is a copy of the audit trail outside the server: added,
// re-pointed or removed by a holder of the admin key, it must be in the trail, or not happen.
describe.each(adminTransports)("webhook changes whose admin.action event cannot be written, over %s", (transport) => {
  it("CreateWebhook, UpdateWebhook and DeleteWebhook answer unavailable and change no endpoint; with the trail back, each is recorded with the admin key's id", async () => {
    const url = `http://127.0.0.1:9/${transport}`;
    const endpoints = await webhookRows();
    const recorded = (await webhookActions()).length;

    await failAudit("admin.action");
    const created = await adminCall(transport, world.server, "createWebhook", { url });
    expect(created).toMatchObject({ ok: false, error: "unavailable" });
    expect(created.ok ? "ok" : created.status).toBe(transport === "rest" ? 503 : undefined);
    expect(await webhookRows()).toEqual(endpoints);
    await sql`delete from audit_fault`.execute(db());

    const made = await adminCall(transport, world.server, "createWebhook", { url });
    expect(made.ok).toBe(true);
    const webhookId = String(((made.ok ? made.output : {}) as { webhook?: { id?: string } }).webhook?.id);
    const stored = await webhookRows();
    expect(stored.map((row) => row.id)).toContain(webhookId);

    await failAudit("admin.action");
    expect(await adminCall(transport, world.server, "updateWebhook", { webhookId, url: `${url}/moved`, enabled: false })).toMatchObject({ ok: false, error: "unavailable" });
    expect(await webhookRows()).toEqual(stored);
    expect(await adminCall(transport, world.server, "deleteWebhook", { webhookId })).toMatchObject({ ok: false, error: "unavailable" });
    expect(await webhookRows()).toEqual(stored);
    await sql`delete from audit_fault`.execute(db());

    expect((await adminCall(transport, world.server, "updateWebhook", { webhookId, enabled: false })).ok).toBe(true);
    expect((await adminCall(transport, world.server, "deleteWebhook", { webhookId })).ok).toBe(true);
    expect(await webhookRows()).toEqual(endpoints);
    const actions = (await webhookActions()).slice(recorded);
    expect(actions.map((row) => [row.action, row.webhook_id])).toEqual([
      ["webhook.created", webhookId],
      ["webhook.updated", webhookId],
      ["webhook.deleted", webhookId],
    ]);
    for (const row of actions) expect(row.actor).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe("product acts whose audit event cannot be written", () => {
  it("Hanko DELETE /user and POST /logout answer 503 and change nothing", async () => {
    const user = await hankoUser(world);
    const before = await footprint(user.userId);

    await failAudit("user.deleted");
    expect((await rest(world.server.url, "DELETE", "/user", { headers: user.bearer })).status).toBe(503);
    expect(await footprint(user.userId)).toEqual(before);

    await failAudit("session.revoked");
    expect((await rest(world.server.url, "POST", "/logout", { headers: user.bearer })).status).toBe(503);
    expect((await rest(world.server.url, "GET", "/me", { headers: user.bearer })).status).toBe(200);
    expect(await eventsOf(user.userId, "session.revoked")).toBe(0);
  });
});

// A flood is recorded once per window, by its first refused hit: if that hit's event could not be
// written, the count has moved past it, and without a second chance the flood is never in the trail.
describe("a rate limit whose rate_limit.tripped event cannot be written", () => {
  it("answers unavailable at the first refused hit, and the next refused hit writes the window's one event", async () => {
    const created = await rest(world.server.url, "POST", "/users", { body: { email: `limit-${Date.now()}@example.com` } });
    expect(created.status, created.text).toBe(200);
    const userId = (created.json as { user_id: string }).user_id;
    const ask = async () => (await rest(world.server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId } })).status;
    const tripped = async () => (await sql<{ n: number }>`select count(*)::int as n from audit_events where type = 'rate_limit.tripped' and details->>'limit' = 'hanko:passcode-send'`.execute(db())).rows[0]!.n;
    const before = await tripped();

    await failAudit("rate_limit.tripped");
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push(await ask());
    expect(statuses).toEqual([200, 200, 200, 200, 200, 503]);
    expect(await tripped()).toBe(before);

    await sql`delete from audit_fault`.execute(db());
    expect([await ask(), await ask()]).toEqual([429, 429]);
    expect(await tripped()).toBe(before + 1);
  });
});

/** The user's WebAuthn credentials as a login leaves them: sign count and last use. */
const credentialState = async (userId: string) =>
  (await sql<{ sign_count: string; last_used_at: Date | null }>`select sign_count::text, last_used_at from webauthn_credentials where user_id = ${userId}::uuid order by created_at`.execute(db())).rows;

/** A passkey login in one product: `attempt` runs it and answers its HTTP status. */
interface PasskeyLogin {
  userId: string;
  attempt(): Promise<number>;
  /** How many sessions or tokens the login issued so far. */
  issued(): Promise<number>;
}

async function hankoPasskeyLogin(): Promise<PasskeyLogin> {
  const user = await hankoUser(world);
  const credential = await hankoPasskey(world, user);
  const sessions = async () => (await sql<{ n: number }>`select count(*)::int as n from sessions where user_id = ${user.userId}::uuid`.execute(db())).rows[0]!.n;
  return { userId: user.userId, attempt: async () => (await hankoPasskeyAttempt(world, user.userId, credential)).status, issued: sessions };
}

async function authenticatorDeviceLogin(): Promise<PasskeyLogin> {
  const account = await authenticatorAccount(world);
  const options = await api(world.server, "POST", "/device", { headers: auth(account) });
  expect(options.status, options.text).toBe(200);
  const { credential, response } = authenticator.create((options.json as { publicKey: Parameters<typeof authenticator.create>[0] }).publicKey);
  expect((await api(world.server, "POST", "/device/verify", { body: response, headers: auth(account) })).status).toBe(201);
  const authorized = async () => (await sql<{ n: number }>`select count(*)::int as n from authenticator_tokens where user_id = ${account.userId}::uuid and state = 'authorized'`.execute(db())).rows[0]!.n;
  return {
    userId: account.userId,
    async attempt() {
      const identified = await logIn(world.server, world.sinks, account);
      const challenge = await api(world.server, "GET", "/login/verify-device", { headers: auth(identified) });
      expect(challenge.status, challenge.text).toBe(200);
      const assertion = authenticator.get(credential, (challenge.json as { publicKey: { challenge: string } }).publicKey.challenge);
      const verified = await api(world.server, "POST", "/login/verify-device", { body: assertion, headers: auth(identified) });
      return verified.status;
    },
    issued: authorized,
  };
}

async function authfiLogin(): Promise<PasskeyLogin> {
  const key = await authfiKey(world);
  return {
    userId: key.uuid,
    attempt: async () => (await authfi(world.server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(key.credential, await loginChallenge(world.server), { withUserHandle: true }) })).status,
    // AuthFi issues no session: the login is the sign count and its event.
    issued: async () => 0,
  };
}

// A passkey login whose event cannot be written must leave nothing of itself: a sign count
// moved on, a session or token issued, without the trail saying so, is a login nobody can
// account for (and one the next honest login's counter check would trip over).
describe.each([
  ["Hanko passkey", hankoPasskeyLogin, ["login.succeeded", "session.issued"]],
  ["Authenticator API device", authenticatorDeviceLogin, ["login.succeeded", "session.issued"]],
  ["AuthFi key", authfiLogin, ["login.succeeded"]],
] as const)("a %s login whose audit event cannot be written", (_name, start, failing) => {
  it.each(failing)("with %s refused, answers unavailable and keeps no sign count, session or event of it; the next login works", async (type) => {
    const login = await start();
    const before = await credentialState(login.userId);
    const issuedBefore = await login.issued();
    const succeeded = await eventsOf(login.userId, "login.succeeded");

    await failAudit(type);
    expect(await login.attempt()).toBeGreaterThanOrEqual(500);
    expect(await credentialState(login.userId)).toEqual(before);
    expect(await login.issued()).toBe(issuedBefore);
    expect(await eventsOf(login.userId, "login.succeeded")).toBe(succeeded);

    await sql`delete from audit_fault`.execute(db());
    expect(await login.attempt()).toBe(200);
    expect(await eventsOf(login.userId, "login.succeeded")).toBe(succeeded + 1);
    expect((await credentialState(login.userId))[0]!.last_used_at).not.toBeNull();
  });
});
