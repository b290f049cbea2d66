import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { createOneTimeTokens } from "../../src/core/session/one-time-token.js";
import { createOneTimeTokenStore } from "../../src/store/session/one-time-token.store.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { freshEmail, signUpAndLogIn } from "./hanko-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ HANKO_PASSWORDS_ENABLED: "true", HANKO_ALLOW_DELETION: "true", HANKO_REQUIRE_EMAIL_VERIFICATION: "false" });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

describe("GET /users/{id}", () => {
  it("answers the session's own user", async () => {
    const user = await signUpAndLogIn(server);
    const response = await rest(server.url, "GET", `/users/${user.userId}`, { headers: user.bearer });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: user.userId, email: user.email, webauthn_credentials: [] });
    const { created_at, updated_at } = response.json as { created_at: string; updated_at: string };
    expect(Date.parse(created_at)).not.toBeNaN();
    expect(Date.parse(updated_at)).not.toBeNaN();
  });

  // Another user's details are not for this session, even with a valid token.
  it("answers 403 for another user, 400 for a non-UUID, 401 without a session", async () => {
    const alice = await signUpAndLogIn(server);
    const bob = await signUpAndLogIn(server);
    expect(await rest(server.url, "GET", `/users/${bob.userId}`, { headers: alice.bearer })).toMatchObject({ status: 403, json: { code: 403 } });
    expect(await rest(server.url, "GET", "/users/not-a-uuid", { headers: alice.bearer })).toMatchObject({ status: 400, json: { code: 400 } });
    expect(await rest(server.url, "GET", `/users/${alice.userId}`)).toMatchObject({ status: 401, json: { code: 401 } });
  });
});

describe("emails", () => {
  it("lists, adds (201), sets primary and deletes addresses", async () => {
    const user = await signUpAndLogIn(server);
    const list = await rest(server.url, "GET", "/emails", { headers: user.bearer });
    expect(list).toMatchObject({ status: 200, json: [{ id: user.emailId, address: user.email, is_verified: true, is_primary: true }] });
    const address = freshEmail();
    const added = await rest(server.url, "POST", "/emails", { body: { address }, headers: user.bearer });
    expect(added.status).toBe(201);
    const email = added.json as { id: string };
    expect(added.json).toEqual({ id: email.id, address, is_verified: false, is_primary: false });
    expect(await rest(server.url, "POST", "/emails", { body: { address: address.toUpperCase() }, headers: user.bearer })).toMatchObject({ status: 409 });
    expect((await rest(server.url, "POST", `/emails/${email.id}/set_primary`, { headers: user.bearer })).status).toBe(201);
    const after = (await rest(server.url, "GET", "/emails", { headers: user.bearer })).json as Array<{ id: string; is_primary: boolean }>;
    expect(after.map((e) => [e.id, e.is_primary])).toEqual([
      [email.id, true],
      [user.emailId, false],
    ]);
    expect((await rest(server.url, "GET", `/users/${user.userId}`, { headers: user.bearer })).json).toMatchObject({ email: address });
    expect((await rest(server.url, "DELETE", `/emails/${user.emailId}`, { headers: user.bearer })).status).toBe(201);
    expect(((await rest(server.url, "GET", "/emails", { headers: user.bearer })).json as unknown[]).length).toBe(1);
  });

  it("refuses to delete the primary (and so the last) address with 409", async () => {
    const user = await signUpAndLogIn(server);
    expect(await rest(server.url, "DELETE", `/emails/${user.emailId}`, { headers: user.bearer })).toMatchObject({ status: 409, json: { code: 409 } });
  });

  it("answers 404 for another user's address, 400 for bad input, 401 without a session", async () => {
    const alice = await signUpAndLogIn(server);
    const bob = await signUpAndLogIn(server);
    expect((await rest(server.url, "DELETE", `/emails/${bob.emailId}`, { headers: alice.bearer })).status).toBe(404);
    expect((await rest(server.url, "POST", `/emails/${bob.emailId}/set_primary`, { headers: alice.bearer })).status).toBe(404);
    expect((await rest(server.url, "DELETE", "/emails/123", { headers: alice.bearer })).status).toBe(400);
    expect((await rest(server.url, "POST", "/emails", { body: { address: "nope" }, headers: alice.bearer })).status).toBe(400);
    expect((await rest(server.url, "POST", "/emails", { body: { address: ["x"] }, headers: alice.bearer })).status).toBe(400);
    expect((await rest(server.url, "GET", "/emails")).status).toBe(401);
  });
});

describe("passwords", () => {
  it("PUT /password creates (201) then replaces (200); the old password stops working", async () => {
    const user = await signUpAndLogIn(server);
    expect((await rest(server.url, "PUT", "/password", { body: { user_id: user.userId, password: "correct horse 1" }, headers: user.bearer })).status).toBe(201);
    const login = await rest(server.url, "POST", "/password/login", { body: { user_id: user.userId, password: "correct horse 1" } });
    expect(login.status).toBe(200);
    expect(login.headers["x-auth-token"]).toMatch(/^ey/);
    expect((await rest(server.url, "GET", "/me", { headers: { authorization: `Bearer ${login.headers["x-auth-token"]}` } })).json).toEqual({ id: user.userId });
    expect((await rest(server.url, "PUT", "/password", { body: { user_id: user.userId, password: "battery staple 2" }, headers: user.bearer })).status).toBe(200);
    expect((await rest(server.url, "POST", "/password/login", { body: { user_id: user.userId, password: "correct horse 1" } })).status).toBe(401);
    expect((await rest(server.url, "POST", "/password/login", { body: { user_id: user.userId, password: "battery staple 2" } })).status).toBe(200);
  });

  it("PUT /password refuses another user (403), a short or over-72 password (400), no session (401)", async () => {
    const alice = await signUpAndLogIn(server);
    const bob = await signUpAndLogIn(server);
    expect((await rest(server.url, "PUT", "/password", { body: { user_id: bob.userId, password: "long enough 123" }, headers: alice.bearer })).status).toBe(403);
    expect((await rest(server.url, "PUT", "/password", { body: { user_id: alice.userId, password: "short" }, headers: alice.bearer })).status).toBe(400);
    expect((await rest(server.url, "PUT", "/password", { body: { user_id: alice.userId, password: "x".repeat(73) }, headers: alice.bearer })).status).toBe(400);
    expect((await rest(server.url, "PUT", "/password", { body: { user_id: alice.userId, password: "long enough 123" } })).status).toBe(401);
  });

  // No account enumeration: an unknown user and a wrong password look the same, and take as long.
  it("POST /password/login answers an unknown user and a wrong password alike, in similar time", async () => {
    const user = await signUpAndLogIn(server);
    await rest(server.url, "PUT", "/password", { body: { user_id: user.userId, password: "the real one 99" }, headers: user.bearer });
    const time = async (body: unknown) => {
      const started = process.hrtime.bigint();
      const response = await rest(server.url, "POST", "/password/login", { body });
      return { response, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const wrongPassword: number[] = [];
    const unknownUser: number[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await time({ user_id: user.userId, password: "not the one 00" });
      const b = await time({ user_id: "0b6f8e0a-5c1d-4d4e-9f00-123456789abc", password: "not the one 00" });
      expect(a.response).toMatchObject({ status: 401, json: { code: 401, message: "Unauthorized" } });
      expect(b.response.status).toBe(401);
      expect(b.response.json).toEqual(a.response.json);
      wrongPassword.push(a.ms);
      unknownUser.push(b.ms);
    }
    const median = (values: number[]) => values.sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
    // Both verify an argon2id hash (~12 ms); without the decoy the unknown user would answer in ~1 ms.
    expect(median(unknownUser)).toBeGreaterThan(median(wrongPassword) / 3);
  });

  it("is refused with 403 when passwords are disabled", async () => {
    const off = await startTestServer();
    try {
      expect((await rest(off.url, "POST", "/password/login", { body: { user_id: "0b6f8e0a-5c1d-4d4e-9f00-123456789abc", password: "whatever 123" } })).status).toBe(403);
    } finally {
      await off.close();
    }
  });
});

describe("POST /token", () => {
  it("exchanges a one-time token for a session once", async () => {
    const user = await signUpAndLogIn(server);
    const value = await loginTokens().issue(user.userId, 60);
    const exchanged = await rest(server.url, "POST", "/token", { body: { value } });
    expect(exchanged).toMatchObject({ status: 200, json: { user_id: user.userId } });
    expect((await rest(server.url, "GET", "/me", { headers: { authorization: `Bearer ${exchanged.headers["x-auth-token"]}` } })).json).toEqual({ id: user.userId });
    expect(await rest(server.url, "POST", "/token", { body: { value } })).toMatchObject({ status: 422, json: { code: 422 } });
  });

  it("refuses an expired token (422) and a malformed one (400)", async () => {
    const user = await signUpAndLogIn(server);
    const value = await loginTokens().issue(user.userId, -1);
    expect((await rest(server.url, "POST", "/token", { body: { value } })).status).toBe(422);
    expect((await rest(server.url, "POST", "/token", { body: { value: "!!" } })).status).toBe(400);
    expect((await rest(server.url, "POST", "/token", { body: {} })).status).toBe(400);
  });
});

describe("DELETE /user", () => {
  it("answers 204, clears the cookie, and takes the user's sessions, emails and codes with it", async () => {
    const user = await signUpAndLogIn(server);
    const db = server.app.database.db;
    const response = await rest(server.url, "DELETE", "/user", { headers: user.bearer });
    expect(response.status).toBe(204);
    expect(response.headers["set-cookie"]).toEqual(["hanko=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"]);
    expect((await rest(server.url, "GET", "/me", { headers: user.bearer })).status).toBe(401);
    for (const table of ["emails", "sessions", "challenges"] as const) {
      expect(await db.selectFrom(table).select("user_id").where("user_id", "=", user.userId).execute(), table).toEqual([]);
    }
    expect((await rest(server.url, "POST", "/user", { body: { email: user.email } })).status).toBe(404);
  });

  it("is refused with 403 when deletion is off", async () => {
    const off = await startTestServer();
    try {
      const user = await signUpAndLogIn(off);
      expect(await rest(off.url, "DELETE", "/user", { headers: user.bearer })).toMatchObject({ status: 403, json: { code: 403 } });
      expect((await rest(off.url, "GET", "/me", { headers: user.bearer })).status).toBe(200);
    } finally {
      await off.close();
    }
  });
});

describe.each(rpcTransports)("users, emails and passwords over %s", (transport) => {
  const identity = (method: string, input: Record<string, unknown>, headers?: Record<string, string>) =>
    callRpc(transport, server.url, IdentityService, IdentityServiceService, method, input, headers);
  const session = (method: string, input: Record<string, unknown>, headers?: Record<string, string>) =>
    callRpc(transport, server.url, SessionService, SessionServiceService, method, input, headers);

  it("GetUser, ListEmails, CreateEmail, SetPassword, LoginWithPassword, Logout", async () => {
    const user = await signUpAndLogIn(server);
    expect(await identity("getUser", { id: user.userId }, user.bearer)).toMatchObject({ ok: true, output: { id: user.userId, email: user.email } });
    expect(await identity("getUser", { id: "x" }, user.bearer)).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "INVALID_UUID" });
    const address = freshEmail();
    expect(await identity("createEmail", { address }, user.bearer)).toMatchObject({ ok: true, output: { email: { address, is_primary: false } } });
    const list = await identity("listEmails", {}, user.bearer);
    expect(list.ok && (list.output.emails as unknown[]).length).toBe(2);
    expect(await session("setPassword", { userId: user.userId, password: "over rpc 1234" }, user.bearer)).toEqual({ ok: true, output: { status: 201 } });
    const login = await session("loginWithPassword", { userId: user.userId, password: "over rpc 1234" });
    expect(login).toMatchObject({ ok: true, output: { session_lifetime: 3600 } });
    expect(await session("loginWithPassword", { userId: user.userId, password: "wrong one 1234" })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "INVALID_CREDENTIALS" });
    expect(await session("logout", {}, user.bearer)).toMatchObject({ ok: true });
    expect(await identity("getCurrentUser", {}, user.bearer)).toMatchObject({ ok: false, code: Code.Unauthenticated });
  });

  it("SetPrimaryEmail, DeleteEmail, ExchangeToken and DeleteCurrentUser", async () => {
    const user = await signUpAndLogIn(server);
    const created = await identity("createEmail", { address: freshEmail() }, user.bearer);
    if (!created.ok) throw new Error("createEmail failed");
    const secondId = (created.output.email as { id: string }).id;
    expect(await identity("deleteEmail", { id: user.emailId }, user.bearer)).toMatchObject({ ok: false, code: Code.AlreadyExists, reason: "PRIMARY_EMAIL" });
    expect(await identity("setPrimaryEmail", { id: secondId }, user.bearer)).toEqual({ ok: true, output: {} });
    expect(await identity("deleteEmail", { id: user.emailId }, user.bearer)).toEqual({ ok: true, output: {} });
    const value = await loginTokens().issue(user.userId, 60);
    const exchanged = await session("exchangeToken", { value });
    expect(exchanged).toMatchObject({ ok: true, output: { user_id: user.userId } });
    expect(await session("exchangeToken", { value })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "TOKEN_INVALID" });
    expect(await identity("deleteCurrentUser", {}, user.bearer)).toMatchObject({ ok: true });
    expect(await identity("getCurrentUser", {}, user.bearer)).toMatchObject({ ok: false, code: Code.Unauthenticated });
  });
});

/** One-time login tokens as third-party login issues them, on the test server's database. */
function loginTokens() {
  return createOneTimeTokens({ store: createOneTimeTokenStore(server.app.database.db, defaultTenantId), secrets: server.app.secrets });
}
