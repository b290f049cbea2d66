import { authenticator as totp } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness/server.js";
import { api, auth, logIn, signUpVerified, type Account, type Sinks, startWithSinks } from "./authenticator-client.js";

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks());
});
afterAll(async () => {
  await stop?.();
});

/** The RFC 6238 code of `secret`, `steps` time steps from now. */
const codeAt = (secret: string, steps = 0) => totp.clone({ epoch: Date.now() + steps * 30_000 }).generate(secret);
/** A 6-digit code that is not `code`. */
const other = (code: string) => (code === "000000" ? "111111" : "000000");

const patch = (account: Account, body: unknown) => api(server, "PATCH", `/user/${account.userId}`, { body, headers: auth(account) });

/** Offers a TOTP secret to the account. */
async function offer(account: Account): Promise<string> {
  const offered = await patch(account, { is_totp_allowed: true });
  expect(offered.status, offered.text).toBe(200);
  return (offered.json as { totp_secret: string }).totp_secret;
}

describe("PATCH /api/v1/user/:user_id TOTP", () => {
  // Replay through a race: a toggle that read the settings before a TOTP login and wrote them
  // after it put back the old last-used step, and the used code counted again.
  it("does not let factor toggles racing a TOTP login make the used code good again", async () => {
    const account = await signUpVerified(server, sinks);
    const secret = await offer(account);
    expect((await patch(account, { is_totp_allowed: true, totp_code: codeAt(secret) })).status).toBe(200);
    const code = codeAt(secret, 1);
    const identified = await logIn(server, sinks, account);
    // Toggles sent before and after the login, so that some read before it and write after it.
    const toggle = () => patch(account, { is_device_allowed: false });
    const early = Array.from({ length: 8 }, toggle);
    const login = api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(identified) });
    const late = Array.from({ length: 8 }, toggle);
    const [verified, ...toggled] = await Promise.all([login, ...early, ...late]);
    expect(verified.status, verified.text).toBe(200);
    for (const response of toggled) expect(response.status).toBe(200);
    const again = await logIn(server, sinks, account);
    expect(await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(again) })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
  });
});

describe("PATCH /api/v1/user/:user_id TOTP confirmation", () => {
  // Brute force of the enrolment: guesses at the offered secret were unlimited.
  it("voids the offered secret after five wrong confirmation codes", async () => {
    const account = await signUpVerified(server, sinks);
    const secret = await offer(account);
    for (let i = 0; i < 5; i++) expect(await patch(account, { is_totp_allowed: true, totp_code: other(codeAt(secret)) })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
    expect(await patch(account, { is_totp_allowed: true, totp_code: codeAt(secret) })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
    // A new offer starts afresh.
    const fresh = await offer(account);
    expect(fresh).not.toBe(secret);
    expect(await patch(account, { is_totp_allowed: true, totp_code: codeAt(fresh) })).toMatchObject({ status: 200, json: { is_totp_allowed: true } });
  });

  // The count was read under the settings row lock but written after the rollback: a burst of
  // 20 had 10 checked on PostgreSQL. Each confirmation is now a hit of the offer's limit first.
  it("checks at most five of a concurrent burst of 20 wrong confirmation codes, then refuses the right one", async () => {
    const account = await signUpVerified(server, sinks);
    const secret = await offer(account);
    const answers = await Promise.all(Array.from({ length: 20 }, () => patch(account, { is_totp_allowed: true, totp_code: other(codeAt(secret)) })));
    // "The TOTP code is invalid" answers a checked code; a voided offer and the limit answer otherwise.
    const checked = answers.filter((answer) => (answer.json as { error?: { message?: string } }).error?.message === "The TOTP code is invalid");
    expect(answers.filter((answer) => answer.status === 200)).toEqual([]);
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(answers.filter((answer) => answer.status === 429 || answer.status === 401).length).toBe(20);
    expect(await patch(account, { is_totp_allowed: true, totp_code: codeAt(secret) })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
  });

  // An offered secret left lying around (a screenshot, a shared screen) must not enable TOTP days later.
  it("refuses to confirm an offered secret after its ten minutes", async () => {
    const account = await signUpVerified(server, sinks);
    const secret = await offer(account);
    await server.app.database.db.updateTable("authenticator_settings").set({ totp_offer_expires_at: new Date(Date.now() - 1000) }).where("user_id", "=", account.userId).execute();
    expect(await patch(account, { is_totp_allowed: true, totp_code: codeAt(secret) })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
    const identified = await logIn(server, sinks, account);
    expect((await api(server, "POST", "/login/verify-code", { body: { code: codeAt(secret, 1) }, headers: auth(identified) })).status).toBe(401);
  });
});

describe("POST /api/v1/login/verify-code with TOTP", () => {
  // Brute force: five wrong TOTP codes burn the identified token, the right one then fails too.
  it("never yields a token after five wrong TOTP codes", async () => {
    const account = await signUpVerified(server, sinks);
    const secret = await offer(account);
    expect((await patch(account, { is_totp_allowed: true, totp_code: codeAt(secret) })).status).toBe(200);
    expect((await patch(account, { is_code_allowed: false })).status).toBe(200);
    const identified = await logIn(server, sinks, account);
    const code = codeAt(secret, 1);
    for (let i = 0; i < 5; i++) expect(await api(server, "POST", "/login/verify-code", { body: { code: other(code) }, headers: auth(identified) })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
    expect(await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(identified) })).toMatchObject({ status: 401, json: { error: { code: "invalid_token" } } });
  });
});
