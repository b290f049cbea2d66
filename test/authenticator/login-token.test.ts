import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness/server.js";
import { api, auth, claimsOf, codeSent, freshEmail, freshPhone, heldFrom, logIn, queuedCount, signUpVerified, type Sinks, startWithSinks } from "./authenticator-client.js";

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks());
});
afterAll(async () => {
  await stop?.();
});

describe("POST /api/v1/login and /login/verify-code", () => {
  it.each(["email", "phone"] as const)("logs in by %s: password → identified, delivered code → authorized", async (channel) => {
    const account = await signUpVerified(server, sinks, channel === "email" ? freshEmail() : freshPhone());
    const identified = await logIn(server, sinks, account);
    expect(claimsOf(identified.token)).toMatchObject({ state: "identified", user_id: account.userId });
    expect(identified.clientId).not.toBe(account.clientId);
    const code = await codeSent(sinks, account.contact, identified.codeIndex);
    const verified = await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(identified) });
    expect(verified.status, verified.text).toBe(200);
    const held = heldFrom(verified);
    expect(held.clientId).toBe(identified.clientId);
    expect(claimsOf(held.token)).toMatchObject({ state: "authorized", user_id: account.userId, sub: account.userId });
    expect((await api(server, "GET", "/token/verify", { headers: auth(held) })).status).toBe(200);
  });

  // Account enumeration: an unknown user and a wrong password get the same refusal.
  it("refuses an unknown user and a wrong password alike, and sends no code", async () => {
    const account = await signUpVerified(server, sinks);
    const queued = await queuedCount(server, account.contact);
    const wrong = await api(server, "POST", "/login", { body: { email: account.contact, password: "not the password" } });
    const unknown = await api(server, "POST", "/login", { body: { email: freshEmail(), password: "not the password" } });
    expect(wrong).toMatchObject({ status: 401, json: { error: { code: "invalid_credentials" } } });
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.json).toEqual(wrong.json);
    expect(await queuedCount(server, account.contact)).toBe(queued);
  });

  it("refuses a login with no password or no contact with 400 invalid_field", async () => {
    expect(await api(server, "POST", "/login", { body: { email: freshEmail() } })).toMatchObject({ status: 400, json: { error: { code: "invalid_field" } } });
    expect(await api(server, "POST", "/login", { body: { password: "whatever it is" } })).toMatchObject({ status: 400, json: { error: { code: "invalid_field" } } });
  });

  // Brute force: five wrong codes burn the identified token.
  it("never yields a token after 5 wrong codes", async () => {
    const account = await signUpVerified(server, sinks);
    const identified = await logIn(server, sinks, account);
    const code = await codeSent(sinks, account.contact, identified.codeIndex);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) expect((await api(server, "POST", "/login/verify-code", { body: { code: wrong }, headers: auth(identified) })).json).toMatchObject({ error: { code: "invalid_code" } });
    expect((await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(identified) })).status).toBe(401);
  });

  it("refuses an authorized token at verify-code and an identified one where authorized is needed", async () => {
    const account = await signUpVerified(server, sinks);
    expect(await api(server, "POST", "/login/verify-code", { body: { code: "123456" }, headers: auth(account) })).toMatchObject({ status: 403, json: { error: { code: "wrong_token_state" } } });
    const identified = await logIn(server, sinks, account);
    expect(await api(server, "GET", "/token/verify", { headers: auth(identified) })).toMatchObject({ status: 403, json: { error: { code: "wrong_token_state" } } });
  });
});

describe("GET /api/v1/token/verify and POST /api/v1/token/:token_id", () => {
  it("refuses garbage, an altered token, a missing cookie and no token", async () => {
    const account = await signUpVerified(server, sinks);
    const [header, payload, signature] = account.token.split(".") as [string, string, string];
    const claims = { ...claimsOf(account.token), user_id: "00000000-0000-4000-8000-000000000000" };
    const altered = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    // The first character of a signature carries six bits of it (the last carries two, and replacing
    // the last two characters could give the same string back).
    const flipped = `${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    for (const headers of [
      auth({ token: "garbage", clientId: account.clientId }),
      auth({ token: altered, clientId: account.clientId }),
      auth({ token: flipped, clientId: account.clientId }),
      { authorization: `Bearer ${account.token}` },
      { cookie: `CLIENTID=${account.clientId}` },
    ]) {
      expect(await api(server, "GET", "/token/verify", { headers })).toMatchObject({ status: 401, json: { error: { code: "invalid_token" } } });
    }
    expect(await api(server, "GET", "/token/verify", { headers: auth(account) })).toMatchObject({
      status: 200,
      json: { token_id: claimsOf(account.token).jti, user_id: account.userId, state: "authorized", expires_at: expect.any(String) },
    });
  });

  it("refuses a token whose exp passed, and one whose row expired", async () => {
    const account = await signUpVerified(server, sinks);
    // The same claims and jti, signed with the server's own key, but expired ten seconds ago.
    const key = await server.app.keys.signingKey("EdDSA");
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claimsOf(account.token), iat: now - 100, exp: now - 10 }).setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" }).sign(key.privateKey);
    expect(await api(server, "GET", "/token/verify", { headers: auth({ token: expired, clientId: account.clientId }) })).toMatchObject({ status: 401, json: { error: { code: "invalid_token" } } });
    expect((await api(server, "GET", "/token/verify", { headers: auth(account) })).status).toBe(200);
    await server.app.database.db.updateTable("authenticator_tokens").set({ expires_at: new Date(Date.now() - 1000) }).where("id", "=", String(claimsOf(account.token).jti)).execute();
    expect(await api(server, "GET", "/token/verify", { headers: auth(account) })).toMatchObject({ status: 401, json: { error: { code: "invalid_token" } } });
  });

  it("revokes a token by its jti: it stops verifying, other tokens keep working, and another user's token is not found", async () => {
    const account = await signUpVerified(server, sinks);
    const identified = await logIn(server, sinks, account);
    const second = heldFrom(await api(server, "POST", "/login/verify-code", { body: { code: await codeSent(sinks, account.contact, identified.codeIndex) }, headers: auth(identified) }));
    const jti = String(claimsOf(second.token).jti);
    const other = await signUpVerified(server, sinks);
    expect(await api(server, "POST", `/token/${jti}`, { headers: auth(other) })).toMatchObject({ status: 404, json: { error: { code: "token_not_found" } } });
    expect(await api(server, "POST", "/token/not-a-uuid", { headers: auth(account) })).toMatchObject({ status: 404 });
    expect(await api(server, "POST", `/token/${jti}`, { headers: auth(account) })).toMatchObject({ status: 200, json: {} });
    expect((await api(server, "GET", "/token/verify", { headers: auth(second) })).status).toBe(401);
    expect((await api(server, "GET", "/token/verify", { headers: auth(account) })).status).toBe(200);
    // Revoking the token the call carries works too; it is refused afterwards.
    expect((await api(server, "POST", `/token/${String(claimsOf(account.token).jti)}`, { headers: auth(account) })).status).toBe(200);
    expect((await api(server, "GET", "/token/verify", { headers: auth(account) })).status).toBe(401);
  });
});

describe("PATCH /api/v1/user/:user_id (password)", () => {
  it("changes the password with the current one: the old one stops working, the new one logs in, other tokens are revoked", async () => {
    const account = await signUpVerified(server, sinks);
    const identified = await logIn(server, sinks, account);
    const elsewhere = heldFrom(await api(server, "POST", "/login/verify-code", { body: { code: await codeSent(sinks, account.contact, identified.codeIndex) }, headers: auth(identified) }));
    const changed = await api(server, "PATCH", `/user/${account.userId}`, { body: { password: "a brand new secret", current_password: account.password }, headers: auth(account) });
    expect(changed).toMatchObject({ status: 200, json: { user_id: account.userId, is_code_allowed: true, is_totp_allowed: false, is_device_allowed: false } });
    // The user's other tokens are revoked with the old password; the caller's stays.
    expect((await api(server, "GET", "/token/verify", { headers: auth(elsewhere) })).status).toBe(401);
    expect((await api(server, "GET", "/token/verify", { headers: auth(account) })).status).toBe(200);
    expect((await api(server, "POST", "/login", { body: { email: account.contact, password: account.password } })).status).toBe(401);
    const again = await logIn(server, sinks, { contact: account.contact, password: "a brand new secret" });
    expect(claimsOf(again.token).state).toBe("identified");
  });

  it("refuses a wrong current password, another user's id, a short password and an identified token", async () => {
    const account = await signUpVerified(server, sinks);
    const other = await signUpVerified(server, sinks);
    const patch = (userId: string, body: unknown, held = account) => api(server, "PATCH", `/user/${userId}`, { body, headers: auth(held) });
    expect(await patch(account.userId, { password: "a brand new secret", current_password: "wrong one!" })).toMatchObject({ status: 401, json: { error: { code: "invalid_credentials" } } });
    expect(await patch(other.userId, { password: "a brand new secret", current_password: account.password })).toMatchObject({ status: 403, json: { error: { code: "not_own_user" } } });
    expect(await patch(account.userId, { password: "short", current_password: account.password })).toMatchObject({ status: 400, json: { error: { code: "invalid_field" } } });
    expect(await patch(account.userId, {})).toMatchObject({ status: 400, json: { error: { code: "invalid_field" } } });
    const identified = await logIn(server, sinks, account);
    expect(await patch(account.userId, { password: "a brand new secret", current_password: account.password }, { ...account, ...identified })).toMatchObject({ status: 403 });
    // Nothing changed: the old password still logs in.
    expect((await api(server, "POST", "/login", { body: { email: account.contact, password: account.password } })).status).toBe(200);
  });

  it("lets a user who signed up without a password set one", async () => {
    const email = freshEmail();
    const started = heldFrom(await api(server, "POST", "/signup", { body: { email } }));
    const held = heldFrom(await api(server, "POST", "/signup/verify", { body: { code: await codeSent(sinks, email, 0) }, headers: auth(started) }));
    const userId = String(claimsOf(held.token).user_id);
    expect((await api(server, "POST", "/login", { body: { email, password: "anything at all" } })).status).toBe(401);
    expect((await api(server, "PATCH", `/user/${userId}`, { body: { password: "anything at all" }, headers: auth(held) })).status).toBe(200);
    expect((await api(server, "POST", "/login", { body: { email, password: "anything at all" } })).status).toBe(200);
  });
});
