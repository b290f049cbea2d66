import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness/server.js";
import { api, auth, claimsOf, codeSent, freshEmail, freshPhone, heldFrom, messageText, queuedCount, signUpVerified, type Sinks, startWithSinks } from "./authenticator-client.js";

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks());
});
afterAll(async () => {
  await stop?.();
});

describe("POST /api/v1/signup", () => {
  it("answers 201 with an unverified token bound to the CLIENTID cookie and emails a 6-digit code", async () => {
    const email = freshEmail();
    const response = await api(server, "POST", "/signup", { body: { email } });
    expect(response.status).toBe(201);
    const held = heldFrom(response);
    expect(held.clientId).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(response.headers["set-cookie"]).toEqual([`CLIENTID=${held.clientId}; Path=/; HttpOnly; SameSite=Strict`]);
    expect(Object.keys(response.json as object).sort()).toEqual(["clientID", "token"]);
    const claims = claimsOf(held.token);
    expect(claims).toMatchObject({ state: "unverified", iss: "authenticator", sub: claims.user_id, jti: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(claims.client_id).toMatch(/^[0-9a-f]{64}$/);
    expect(await codeSent(sinks, email, 0)).toMatch(/^\d{6}$/);
  });

  it("texts the code to a phone number through the SMS webhook", async () => {
    const phone = freshPhone();
    const response = await api(server, "POST", "/signup", { body: { phone } });
    expect(response.status).toBe(201);
    expect(await codeSent(sinks, phone, 0)).toMatch(/^\d{6}$/);
  });

  it.each([
    [{}, "Email address or phone number is required"],
    [{ email: "not-an-email" }, "Email address is invalid"],
    [{ phone: "12" }, "Phone number is invalid"],
    [{ email: freshEmail(), phone: freshPhone() }, "Give either an email address or a phone number"],
    [{ email: freshEmail(), password: "short" }, "Password must be 8 to 72 characters"],
  ])("refuses %j with 400 invalid_field", async (body, message) => {
    const response = await api(server, "POST", "/signup", { body });
    expect(response).toMatchObject({ status: 400, json: { error: { code: "invalid_field", message } } });
  });

  // Account enumeration: signing up with a taken contact must look like any other sign-up.
  it("answers a contact that already has an account exactly like a new one, and sends the owner a notice with no code", async () => {
    const account = await signUpVerified(server, sinks);
    const again = await api(server, "POST", "/signup", { body: { email: account.contact } });
    const fresh = await api(server, "POST", "/signup", { body: { email: freshEmail() } });
    expect(again.status).toBe(fresh.status);
    expect(Object.keys(again.json as object).sort()).toEqual(Object.keys(fresh.json as object).sort());
    expect(Object.keys(claimsOf(heldFrom(again).token)).sort()).toEqual(Object.keys(claimsOf(heldFrom(fresh).token)).sort());
    expect(claimsOf(heldFrom(again).token).user_id).not.toBe(account.userId);
    const notice = await messageText(sinks, account.contact, 1);
    expect(notice).toMatch(/already has an account/);
    expect(notice).not.toMatch(/\d{6}/);
  });

  // Abuse: a flood of sign-ups must not flood someone's inbox; a burst of five still passes.
  it("passes 5 sign-ups a minute for one contact and refuses the sixth with 429", async () => {
    const email = freshEmail();
    for (let i = 0; i < 5; i++) expect((await api(server, "POST", "/signup", { body: { email } })).status).toBe(201);
    expect(await api(server, "POST", "/signup", { body: { email } })).toMatchObject({ status: 429, json: { error: { code: "signup_rate_limited" } } });
    expect((await api(server, "POST", "/signup", { body: { email: freshEmail() } })).status).toBe(201);
  });

  // A flood sent in parallel: every request counted before any had written its sign-up.
  it("passes only 5 of 10 parallel sign-ups for one contact, and queues 5 messages", async () => {
    const email = freshEmail();
    const answers = await Promise.all(Array.from({ length: 10 }, () => api(server, "POST", "/signup", { body: { email, password: "a long password" } })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 201, 201, 201, 201, 429, 429, 429, 429, 429]);
    expect(await queuedCount(server, email)).toBe(5);
  });
});

describe("POST /api/v1/signup/verify", () => {
  it("turns the code into an authorized token for the same client, once", async () => {
    const email = freshEmail();
    const started = heldFrom(await api(server, "POST", "/signup", { body: { email, password: "a long password" } }));
    const code = await codeSent(sinks, email, 0);
    const verified = await api(server, "POST", "/signup/verify", { body: { code }, headers: auth(started) });
    expect(verified.status, verified.text).toBe(201);
    const held = heldFrom(verified);
    expect(held.clientId).toBe(started.clientId);
    expect(claimsOf(held.token)).toMatchObject({ state: "authorized", user_id: claimsOf(started.token).user_id });
    const check = await api(server, "GET", "/token/verify", { headers: auth(held) });
    expect(check).toMatchObject({ status: 200, json: { user_id: claimsOf(started.token).user_id, state: "authorized" } });
    // The sign-up token is used up.
    const replay = await api(server, "POST", "/signup/verify", { body: { code }, headers: auth(started) });
    expect(replay).toMatchObject({ status: 401, json: { error: { code: "invalid_token" } } });
  });

  // Token theft: the token alone, without the HttpOnly CLIENTID cookie it was issued to, is refused.
  it("refuses the token without its CLIENTID cookie or with another client's", async () => {
    const email = freshEmail();
    const started = heldFrom(await api(server, "POST", "/signup", { body: { email } }));
    const other = heldFrom(await api(server, "POST", "/signup", { body: { email: freshEmail() } }));
    const code = await codeSent(sinks, email, 0);
    const bare = await api(server, "POST", "/signup/verify", { body: { code }, headers: { authorization: `Bearer ${started.token}` } });
    expect(bare).toMatchObject({ status: 401, json: { error: { code: "invalid_token" } } });
    const foreign = await api(server, "POST", "/signup/verify", { body: { code }, headers: auth({ token: started.token, clientId: other.clientId }) });
    expect(foreign.status).toBe(401);
    expect((await api(server, "POST", "/signup/verify", { body: { code }, headers: auth(started) })).status).toBe(201);
  });

  // Brute force: five wrong codes burn the token, so the right code afterwards yields nothing.
  it("burns the token after 5 wrong codes", async () => {
    const email = freshEmail();
    const started = heldFrom(await api(server, "POST", "/signup", { body: { email } }));
    const code = await codeSent(sinks, email, 0);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      const response = await api(server, "POST", "/signup/verify", { body: { code: wrong }, headers: auth(started) });
      expect(response).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
    }
    const late = await api(server, "POST", "/signup/verify", { body: { code }, headers: auth(started) });
    expect(late).toMatchObject({ status: 401, json: { error: { code: "invalid_token" } } });
  });

  it("lets a signer-up pass 4 wrong codes and then the right one", async () => {
    const phone = freshPhone();
    const started = heldFrom(await api(server, "POST", "/signup", { body: { phone } }));
    const code = await codeSent(sinks, phone, 0);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 4; i++) expect((await api(server, "POST", "/signup/verify", { body: { code: wrong }, headers: auth(started) })).status).toBe(401);
    expect((await api(server, "POST", "/signup/verify", { body: { code }, headers: auth(started) })).status).toBe(201);
  });

  it("refuses a code that is not 6 digits with 400 invalid_field, and a token from a taken contact whatever the code", async () => {
    const account = await signUpVerified(server, sinks);
    const started = heldFrom(await api(server, "POST", "/signup", { body: { email: account.contact } }));
    expect(await api(server, "POST", "/signup/verify", { body: { code: "12ab" }, headers: auth(started) })).toMatchObject({ status: 400, json: { error: { code: "invalid_field" } } });
    expect((await api(server, "POST", "/signup/verify", { body: { code: "123456" }, headers: auth(started) })).status).toBe(401);
  });
});
