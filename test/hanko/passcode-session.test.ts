import { Code } from "@connectrpc/connect";
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT } from "jose";
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { VerifyService } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { VerifyServiceService } from "../../gen/grpc-js/tessera/verify/v1/verify.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { freshEmail, passcodeFromLog, signUpAndLogIn } from "./hanko-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ SESSION_LIFETIME: "3600" });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

async function newUser() {
  const email = freshEmail();
  const { user_id, email_id } = (await rest(server.url, "POST", "/users", { body: { email } })).json as { user_id: string; email_id: string };
  return { userId: user_id, emailId: email_id, email };
}

async function initialize(userId: string, emailId?: string) {
  const response = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId, ...(emailId ? { email_id: emailId } : {}) } });
  expect(response.status).toBe(200);
  return response.json as { id: string; ttl: number; created_at: string };
}

const finalize = (id: string, code: string) => rest(server.url, "POST", "/passcode/login/finalize", { body: { id, code } });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe("Hanko passcode login", () => {
  it("initialize answers a Passcode and emails a 6-digit code; finalize answers a session and verifies the address", async () => {
    const { userId, email } = await newUser();
    const passcode = await initialize(userId);
    expect(passcode).toMatchObject({ ttl: 300 });
    expect(Date.parse(passcode.created_at)).not.toBeNaN();
    const code = await passcodeFromLog(server, email);
    const final = await finalize(passcode.id, code);
    expect(final.status).toBe(200);
    expect(final.json).toEqual({ id: passcode.id, ttl: 300, created_at: passcode.created_at });
    const token = String(final.headers["x-auth-token"]);
    expect(final.headers["x-session-lifetime"]).toBe("3600");
    expect(final.headers["set-cookie"]).toEqual([`hanko=${token}; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict`]);
    const jwks = (await rest(server.url, "GET", "/.well-known/jwks.json")).json;
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never));
    expect(payload.sub).toBe(userId);
    expect(payload.exp! - payload.iat!).toBe(3600);
    const found = await rest(server.url, "POST", "/user", { body: { email } });
    expect(found.json).toMatchObject({ id: userId, verified: true });
  });

  it("sends to the address named by email_id", async () => {
    const user = await signUpAndLogIn(server);
    const second = freshEmail();
    const added = await rest(server.url, "POST", "/emails", { body: { address: second }, headers: user.bearer });
    const { id: secondId } = added.json as { id: string };
    const passcode = await initialize(user.userId, secondId);
    const code = await passcodeFromLog(server, second);
    expect((await finalize(passcode.id, code)).status).toBe(200);
    const emails = (await rest(server.url, "GET", "/emails", { headers: user.bearer })).json as Array<{ id: string; is_verified: boolean }>;
    expect(emails.find((e) => e.id === secondId)?.is_verified).toBe(true);
  });

  // A code is a one-time secret: replaying it must not give a second session.
  it("refuses the same code twice", async () => {
    const { userId, email } = await newUser();
    const passcode = await initialize(userId);
    const code = await passcodeFromLog(server, email);
    expect((await finalize(passcode.id, code)).status).toBe(200);
    const again = await finalize(passcode.id, code);
    expect(again.status).toBe(401);
    expect(again.json).toEqual({ code: 401, message: "passcode invalid" });
  });

  // Guessing: 3 wrong codes burn the passcode, after which even the right one fails.
  it("answers 401 to a wrong code, burns the passcode at the third (410), and refuses the right code after", async () => {
    const { userId, email } = await newUser();
    const passcode = await initialize(userId);
    const code = await passcodeFromLog(server, email);
    expect((await finalize(passcode.id, wrong(code))).status).toBe(401);
    expect((await finalize(passcode.id, wrong(code))).status).toBe(401);
    expect(await finalize(passcode.id, wrong(code))).toMatchObject({ status: 410, json: { code: 410 } });
    expect((await finalize(passcode.id, code)).status).toBe(410);
  });

  it("answers 408 to an expired passcode", async () => {
    const { userId, email } = await newUser();
    const passcode = await initialize(userId);
    const code = await passcodeFromLog(server, email);
    await server.app.database.db.updateTable("challenges").set({ expires_at: new Date(Date.now() - 1000) }).where("id", "=", passcode.id).execute();
    expect(await finalize(passcode.id, code)).toMatchObject({ status: 408, json: { code: 408 } });
  });

  it("stores only a hash of the code", async () => {
    const { userId, email } = await newUser();
    const passcode = await initialize(userId);
    const code = await passcodeFromLog(server, email);
    const row = await server.app.database.db.selectFrom("challenges").selectAll().where("id", "=", passcode.id).executeTakeFirstOrThrow();
    expect(Buffer.from(row.secret_hash!).toString("utf8")).not.toContain(code);
    expect(row.secret_hash?.length).toBe(32);
  });

  it("answers 400 to bad input and to an unknown user", async () => {
    const cases: Array<[string, unknown]> = [
      ["/passcode/login/initialize", { user_id: "not-a-uuid" }],
      ["/passcode/login/initialize", { user_id: "7f1e0a4c-1111-4222-8333-944445555666" }],
      ["/passcode/login/initialize", {}],
      ["/passcode/login/initialize", { user_id: 42 }],
      ["/passcode/login/finalize", { id: "nope", code: "123456" }],
      ["/passcode/login/finalize", { id: "7f1e0a4c-1111-4222-8333-944445555666", code: "12ab56" }],
    ];
    for (const [path, body] of cases) {
      const response = await rest(server.url, "POST", path, { body });
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.json).toMatchObject({ code: 400 });
    }
  });

  it("limits passcodes per user per minute (a burst of 5 passes)", async () => {
    const { userId } = await newUser();
    for (let i = 0; i < 5; i++) await initialize(userId);
    const sixth = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId } });
    expect(sixth).toMatchObject({ status: 429, json: { code: 429 } });
  });
});

describe("Hanko passcode delivery", () => {
  let smtp: SmtpSink;
  let mailing: TestServer;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    mailing = await startTestServer({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await mailing?.close();
    await smtp?.close();
  });

  it("emails the passcode within 1 s of initialize, and that code logs in", async () => {
    const email = freshEmail();
    const { user_id } = (await rest(mailing.url, "POST", "/users", { body: { email } })).json as { user_id: string };
    const started = Date.now();
    const init = await rest(mailing.url, "POST", "/passcode/login/initialize", { body: { user_id } });
    const mail = await smtp.waitFor(email, 2_000);
    expect(mail.receivedAt - started).toBeLessThan(1_000);
    const code = /passcode is (\d{6})/.exec(mail.raw)?.[1];
    expect(code).toMatch(/^\d{6}$/);
    const final = await rest(mailing.url, "POST", "/passcode/login/finalize", { body: { id: (init.json as { id: string }).id, code } });
    expect(final.status).toBe(200);
  });
});

describe("Hanko sessions", () => {
  it("GET /me answers the session user by Bearer token or by cookie", async () => {
    const user = await signUpAndLogIn(server);
    expect(await rest(server.url, "GET", "/me", { headers: user.bearer })).toMatchObject({ status: 200, json: { id: user.userId } });
    expect(await rest(server.url, "GET", "/me", { headers: { cookie: `hanko=${user.token}` } })).toMatchObject({ status: 200, json: { id: user.userId } });
  });

  it("GET /me refuses a missing, malformed, forged or expired token with 401", async () => {
    const user = await signUpAndLogIn(server);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const header = decodeJwt(user.token);
    const kid = JSON.parse(Buffer.from(user.token.split(".")[0]!, "base64url").toString()).kid as string;
    const forged = await new SignJWT({ ...header }).setProtectedHeader({ alg: "RS256", kid }).sign(privateKey);
    const signing = await server.app.keys.signingKey("RS256");
    const expired = await new SignJWT({ jti: header.jti, sub: header.sub }).setProtectedHeader({ alg: "RS256", kid: signing.kid }).setIssuedAt(1_000).setExpirationTime(2_000).sign(signing.privateKey);
    const [h, p] = user.token.split(".");
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${p}.`;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...header, sub: "00000000-0000-4000-8000-000000000000" })).toString("base64url")}.${user.token.split(".")[2]}`;
    for (const authorization of [undefined, "Bearer", "Bearer garbage", `Bearer ${forged}`, `Bearer ${expired}`, `Bearer ${unsigned}`, `Bearer ${tampered}`, `Basic ${user.token}`]) {
      const response = await rest(server.url, "GET", "/me", { headers: authorization === undefined ? {} : { authorization } });
      expect(response.status, authorization).toBe(401);
      expect(response.json).toEqual({ code: 401, message: "Unauthorized" });
    }
  });

  it("POST /logout answers 204, clears the cookie and revokes the session server-side", async () => {
    const user = await signUpAndLogIn(server);
    const logout = await rest(server.url, "POST", "/logout", { headers: user.bearer });
    expect(logout.status).toBe(204);
    expect(logout.headers["set-cookie"]).toEqual(["hanko=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"]);
    expect((await rest(server.url, "GET", "/me", { headers: user.bearer })).status).toBe(401);
    expect((await rest(server.url, "POST", "/logout", { headers: user.bearer })).status).toBe(401);
  });

  it("HANKO_AUTH_TOKEN_HEADER=false sends the cookie only", async () => {
    const cookieOnly = await startTestServer({ HANKO_AUTH_TOKEN_HEADER: "false" });
    try {
      const email = freshEmail();
      const { user_id } = (await rest(cookieOnly.url, "POST", "/users", { body: { email } })).json as { user_id: string };
      const init = (await rest(cookieOnly.url, "POST", "/passcode/login/initialize", { body: { user_id } })).json as { id: string };
      const final = await rest(cookieOnly.url, "POST", "/passcode/login/finalize", { body: { id: init.id, code: await passcodeFromLog(cookieOnly, email) } });
      expect(final.status).toBe(200);
      expect(final.headers["x-auth-token"]).toBeUndefined();
      expect(final.headers["x-session-lifetime"]).toBeDefined();
      expect(String(final.headers["set-cookie"])).toMatch(/^hanko=ey/);
    } finally {
      await cookieOnly.close();
    }
  });
});

describe.each(rpcTransports)("Hanko passcodes and sessions over %s", (transport) => {
  it("InitializePasscodeLogin, FinalizePasscodeLogin, then GetCurrentUser with the token as metadata", async () => {
    const { userId, email } = await newUser();
    const init = await callRpc(transport, server.url, VerifyService, VerifyServiceService, "initializePasscodeLogin", { userId });
    expect(init).toMatchObject({ ok: true, output: { ttl: 300 } });
    if (!init.ok) return;
    const code = await passcodeFromLog(server, email);
    const wrongResult = await callRpc(transport, server.url, VerifyService, VerifyServiceService, "finalizePasscodeLogin", { id: init.output.id, code: wrong(code) });
    expect(wrongResult).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "PASSCODE_INVALID" });
    const final = await callRpc(transport, server.url, VerifyService, VerifyServiceService, "finalizePasscodeLogin", { id: init.output.id, code });
    expect(final).toMatchObject({ ok: true, output: { id: init.output.id, session_lifetime: 3600 } });
    if (!final.ok) return;
    const token = String(final.output.session_token);
    expect(final.output.auth_token).toBe(token);
    const me = await callRpc(transport, server.url, IdentityService, IdentityServiceService, "getCurrentUser", {}, { authorization: `Bearer ${token}` });
    expect(me).toEqual({ ok: true, output: { id: userId } });
    const anonymous = await callRpc(transport, server.url, IdentityService, IdentityServiceService, "getCurrentUser", {});
    expect(anonymous).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "UNAUTHENTICATED" });
  });
});
