import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimsOf, codeSent, freshEmail, messageText, sentCount, signUpVerified } from "../authenticator/authenticator-client.js";
import { newIdentity, register } from "../authentiq/authentiq-client.js";
import { apiKey, authfi } from "../authfi/authfi-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { jincor, verifyJwtSecret } from "../jincor/jincor-client.js";
import { adminCall, adminKey, adminOk, adminTransports } from "./admin-client.js";
import { api, auth, authfiKey, hankoPasscodeLogin, hankoUser, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// Acts across the five APIs and the admin API, then the audit rows they must have written, and
// no secret the test used anywhere in the audit table or the queued webhook payloads.

let world: AdminWorld;
/** Every secret the acts used: none may appear in an event or a webhook payload. */
const secrets: string[] = [adminKey, apiKey, verifyJwtSecret];
type Row = { type: string; product: string; outcome: string; user_id: string | null; reason: string; client_ip: string | null; user_agent: string | null; actor: string | null; details: Record<string, unknown> };
let rows: Row[] = [];
const ids: Record<string, string> = {};

beforeAll(async () => {
  world = await startAdminWorld({ VERIFY_JWT_SECRET: verifyJwtSecret, HANKO_ALLOW_DELETION: "true" });
});

/** The acts (in a test: the helpers poll the sinks with expect.poll), then the rows they wrote. */
async function act(): Promise<void> {
  const { server } = world;
  // A webhook for every type: each event is queued to it, its payload checked for secrets too.
  await adminOk("rest", server, "createWebhook", { url: "http://127.0.0.1:9/never" });

  // Hanko: sign-up, passcode login, password set, a wrong and a right password login.
  const hanko = await hankoUser(world);
  ids.hanko = hanko.userId;
  secrets.push(hanko.password, hanko.token);
  expect((await rest(server.url, "POST", "/password/login", { body: { user_id: hanko.userId, password: "wrong horse hanko" } })).status).toBe(401);
  const login = await rest(server.url, "POST", "/password/login", { body: { user_id: hanko.userId, password: hanko.password } });
  expect(login.status, login.text).toBe(200);
  secrets.push(String(login.headers["x-auth-token"]));
  // A wrong passcode, then its right code (both recorded; the code never).
  const index = sentCount(world.sinks, hanko.email);
  const init = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: hanko.userId } });
  const passcode = await codeSent(world.sinks, hanko.email, index);
  secrets.push(passcode);
  const wrong = passcode === "000000" ? "111111" : "000000";
  expect((await rest(server.url, "POST", "/passcode/login/finalize", { body: { id: (init.json as { id: string }).id, code: wrong } })).status).toBe(401);

  // Hanko: a second user changes their password, logs out, logs in again and deletes themselves.
  const leaving = await hankoUser(world);
  ids.hankoGone = leaving.userId;
  secrets.push(leaving.token);
  expect((await rest(server.url, "PUT", "/password", { body: { user_id: leaving.userId, password: "another horse hanko" }, headers: leaving.bearer })).status).toBe(200);
  expect((await rest(server.url, "POST", "/logout", { headers: leaving.bearer })).status).toBe(204);
  const again = await hankoPasscodeLogin(world, leaving.userId, leaving.email);
  secrets.push(again);
  expect((await rest(server.url, "DELETE", "/user", { headers: { authorization: `Bearer ${again}` } })).status).toBe(204);

  // The Authenticator API: sign-up with its code, a wrong password login.
  const account = await signUpVerified(server, world.sinks);
  ids.authenticator = account.userId;
  secrets.push(account.password, account.token, await codeSent(world.sinks, account.contact, 0));
  expect((await api(server, "POST", "/login", { body: { email: account.contact, password: "not the password" } })).status).toBe(401);
  // Its token revoked by its own jti.
  const revoked = await api(server, "POST", `/token/${String(claimsOf(account.token).jti)}`, { headers: auth(account) });
  expect(revoked.status, revoked.text).toBe(200);

  // Jincor: an email code sent, a wrong try, the right one.
  const consumer = freshEmail();
  const jincorIndex = sentCount(world.sinks, consumer);
  const initiated = await jincor(server.url, "POST", "/methods/email/actions/initiate", {
    body: { consumer, issuer: "Jincor", template: { body: "Code {{{CODE}}} for {{{VERIFICATION_ID}}}." }, generateCode: { length: 8, symbolSet: ["DIGITS"] }, policy: { expiredOn: "01:00:00" } },
  });
  expect(initiated.status, initiated.text).toBe(200);
  await world.sinks.smtp.waitFor(consumer);
  const jincorCode = /Code (\S+) for/.exec(await messageText(world.sinks, consumer, jincorIndex))![1]!;
  secrets.push(jincorCode);
  const verificationId = (initiated.json as { verificationId: string }).verificationId;
  const validate = (code: string) => jincor(server.url, "POST", `/methods/email/verifiers/${verificationId}/actions/validate`, { body: { code } });
  expect((await validate("99999999" === jincorCode ? "88888888" : "99999999")).status).toBe(422);
  expect((await validate(jincorCode)).status).toBe(200);

  // Authentiq: a key registered, then revoked with its secret (never recorded).
  const identity = newIdentity();
  const keySecret = await register(server.url, identity);
  secrets.push(keySecret);
  expect((await rest(server.url, "DELETE", `/key/${identity.pk}?secret=${keySecret}`)).status).toBe(200);

  // AuthFi: a user and their key by registration.
  const key = await authfiKey(world);
  ids.authfi = key.uuid;
  expect((await authfi(server, "PUT", `/users/${key.userId}`, { status: "suspend" })).status).toBe(200);
  expect((await authfi(server, "PUT", `/users/${key.userId}`, { status: "activate" })).status).toBe(200);

  // The admin API: a lock, with the key's id as the actor.
  await adminOk("grpc", server, "lockUser", { userId: account.userId, reason: "audit test" });

  const result = await sql<Row>`select type, product, outcome, user_id, reason, client_ip, user_agent, actor, details from audit_events order by sequence`.execute(server.app.database.db);
  rows = result.rows;
}

afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

describe("the audit trail", () => {
  it("records the acts", async () => {
    await act();
    expect(rows.length).toBeGreaterThan(20);
  }, 120_000);

  // [type, product, outcome, whose]: whose names the user of `ids`, or null for an event with none.
  const expected: Array<[string, string, string, string | null]> = [
    ["user.created", "hanko", "success", "hanko"],
    ["user.signed_up", "hanko", "success", "hanko"],
    ["password.changed", "hanko", "success", "hankoGone"],
    ["session.revoked", "hanko", "success", "hankoGone"],
    ["user.deleted", "hanko", "success", "hankoGone"],
    ["code.sent", "hanko", "success", "hanko"],
    ["code.verified", "hanko", "success", "hanko"],
    ["login.succeeded", "hanko", "success", "hanko"],
    ["session.issued", "hanko", "success", "hanko"],
    ["password.set", "hanko", "success", "hanko"],
    ["login.failed", "hanko", "failure", "hanko"],
    ["code.failed", "hanko", "failure", "hanko"],
    ["code.sent", "authenticator", "success", null],
    ["code.verified", "authenticator", "success", null],
    ["user.created", "authenticator", "success", "authenticator"],
    ["user.signed_up", "authenticator", "success", "authenticator"],
    ["token.revoked", "authenticator", "success", "authenticator"],
    ["session.issued", "authenticator", "success", "authenticator"],
    ["login.failed", "authenticator", "failure", "authenticator"],
    ["code.sent", "jincor", "success", null],
    ["code.failed", "jincor", "failure", null],
    ["code.verified", "jincor", "success", null],
    ["credential.registered", "authentiq", "success", null],
    ["credential.removed", "authentiq", "success", null],
    ["user.created", "authfi", "success", "authfi"],
    ["user.signed_up", "authfi", "success", "authfi"],
    ["user.locked", "authfi", "success", "authfi"],
    ["user.unlocked", "authfi", "success", "authfi"],
    ["credential.registered", "authfi", "success", "authfi"],
    ["user.locked", "admin", "success", "authenticator"],
  ];
  it.each(expected)("has %s of %s (%s)", (type, product, outcome, whose) => {
    // Every act came over a transport that knows the caller: its address is on the row.
    const matching = rows.filter((row) => row.type === type && row.product === product && row.outcome === outcome && (whose === null || row.user_id === ids[whose]) && row.client_ip === "127.0.0.1");
    expect(matching.length, JSON.stringify(rows.filter((row) => row.type === type))).toBeGreaterThan(0);
  });

  it("names the caller's address, the factor of a login, the reason of a refusal and the admin key of an admin act", () => {
    const signUp = rows.find((row) => row.type === "user.signed_up" && row.product === "hanko");
    expect(signUp?.client_ip).toBe("127.0.0.1");
    const failed = rows.find((row) => row.type === "login.failed" && row.product === "hanko");
    expect(failed).toMatchObject({ reason: "INVALID_CREDENTIALS", details: { factor: "password" } });
    const lock = rows.find((row) => row.type === "user.locked" && row.product === "admin");
    expect(lock?.actor).toMatch(/^[0-9a-f]{8}$/);
  });

  it("holds no secret the acts used, in any event or webhook payload", async () => {
    const db = world.server.app.database.db;
    const events = JSON.stringify((await sql`select * from audit_events`.execute(db)).rows);
    const payloads = JSON.stringify((await sql`select body, subject, recipient from outbox where channel = 'webhook'`.execute(db)).rows);
    expect(payloads.length).toBeGreaterThan(1000);
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(6);
      expect(events.includes(secret), `an event holds ${secret}`).toBe(false);
      expect(payloads.includes(secret), `a webhook payload holds ${secret}`).toBe(false);
    }
  });
});

describe.each(adminTransports)("ListAuditEvents over %s", (transport) => {
  it("filters by user, type, product and outcome, pages newest first, and refuses a bad filter", async () => {
    const page = await adminOk(transport, world.server, "listAuditEvents", { filter: { userId: ids.hanko, product: "hanko" }, pageSize: 2 });
    const events = page.events as Array<{ type: string; userId: string; product: string; time: string }>;
    expect(events).toHaveLength(2);
    expect(events.every((event) => event.userId === ids.hanko && event.product === "hanko")).toBe(true);
    expect(new Date(events[0]!.time).getTime()).toBeGreaterThanOrEqual(new Date(events[1]!.time).getTime());
    expect(page.nextPageToken).not.toBe("");
    const all: string[] = [];
    let token = "";
    for (let i = 0; i < 20; i++) {
      const next = await adminOk(transport, world.server, "listAuditEvents", { filter: { userId: ids.hanko, product: "hanko" }, pageSize: 3, ...(token === "" ? {} : { pageToken: token }) });
      all.push(...(next.events as Array<{ id: string }>).map((event) => event.id));
      token = String(next.nextPageToken ?? "");
      if (token === "") break;
    }
    expect(all.length).toBe(rows.filter((row) => row.user_id === ids.hanko && row.product === "hanko").length);
    expect(new Set(all).size).toBe(all.length);

    const failures = await adminOk(transport, world.server, "listAuditEvents", { filter: { outcome: "failure", types: ["login.failed"] } });
    expect((failures.events as Array<{ type: string; outcome: string }>).map((event) => [event.type, event.outcome])).toEqual(expect.arrayContaining([["login.failed", "failure"]]));
    expect((failures.events as Array<{ type: string }>).every((event) => event.type === "login.failed")).toBe(true);

    expect(await adminCall(transport, world.server, "listAuditEvents", { filter: { types: ["no.such.type"] } })).toMatchObject({ ok: false, error: "invalid_argument" });
    expect(await adminCall(transport, world.server, "listAuditEvents", { pageToken: "garbage" })).toMatchObject({ ok: false, error: "invalid_argument" });
    expect(await adminCall(transport, world.server, "listAuditEvents", {}, null)).toMatchObject({ ok: false, error: "unauthenticated" });
  });
});
