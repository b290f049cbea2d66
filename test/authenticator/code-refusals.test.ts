import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness/server.js";
import { api, auth, claimsOf, codeSent, freshEmail, heldFrom, logIn, signUpVerified, type Sinks, startWithSinks } from "./authenticator-client.js";

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks());
});
afterAll(async () => {
  await stop?.();
});

const invalidToken = { status: 401, json: { error: { code: "invalid_token" } } };
const wrongState = { status: 403, json: { error: { code: "wrong_token_state" } } };

describe("POST /api/v1/login/verify-code refusals", () => {
  // A code read late (or stolen from an old message) must not pass once its 300 s are over,
  // even while its 900 s token still lives.
  it("refuses a delivered code after its 300 seconds while the token is still live", async () => {
    const account = await signUpVerified(server, sinks);
    const identified = await logIn(server, sinks, account);
    const code = await codeSent(sinks, account.contact, identified.codeIndex);
    // The code's challenge was issued 301 s ago: its code no longer answers, its token lives on.
    await server.app.database.db.updateTable("challenges").set({ created_at: new Date(Date.now() - 301_000) }).where("id", "=", String(claimsOf(identified.token).jti)).execute();
    expect(await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(identified) })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
    // The token itself is still good: it is the code that expired.
    expect(await api(server, "GET", "/login/verify-device", { headers: auth(identified) })).toMatchObject({ status: 403, json: { error: { code: "factor_not_allowed" } } });
  });

  // Replay: an identified token answers its second factor once.
  it("refuses an identified token again after verify-code succeeded", async () => {
    const account = await signUpVerified(server, sinks);
    const identified = await logIn(server, sinks, account);
    const code = await codeSent(sinks, account.contact, identified.codeIndex);
    expect((await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(identified) })).status).toBe(200);
    expect(await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(identified) })).toMatchObject(invalidToken);
  });
});

describe("an unverified sign-up token", () => {
  // Skipping the code: a sign-up token is no login.
  it("is refused where an authorized or identified token is needed", async () => {
    const started = heldFrom(await api(server, "POST", "/signup", { body: { email: freshEmail(), password: "a long password" } }));
    expect(claimsOf(started.token).state).toBe("unverified");
    expect(await api(server, "GET", "/token/verify", { headers: auth(started) })).toMatchObject(wrongState);
    expect(await api(server, "POST", "/device", { headers: auth(started) })).toMatchObject(wrongState);
    expect(await api(server, "PATCH", `/user/${String(claimsOf(started.token).user_id)}`, { body: { is_code_allowed: true }, headers: auth(started) })).toMatchObject(wrongState);
    expect(await api(server, "POST", "/login/verify-code", { body: { code: "123456" }, headers: auth(started) })).toMatchObject(wrongState);
    expect(await api(server, "GET", "/login/verify-device", { headers: auth(started) })).toMatchObject(wrongState);
  });
});
