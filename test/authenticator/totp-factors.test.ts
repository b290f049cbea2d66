import { authenticator as totp } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness/server.js";
import { api, auth, claimsOf, heldFrom, logIn, queuedCount, signUpVerified, type Account, type Sinks, startWithSinks } from "./authenticator-client.js";

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks({ RP_NAME: "Authenticator" }));
});
afterAll(async () => {
  await stop?.();
});

/** The RFC 6238 code of `secret`, `steps` time steps from now. */
const codeAt = (secret: string, steps = 0) => totp.clone({ epoch: Date.now() + steps * 30_000 }).generate(secret);

const patch = (account: Account, body: unknown) => api(server, "PATCH", `/user/${account.userId}`, { body, headers: auth(account) });

/** Enables TOTP for the account: the secret offered, then confirmed by one code. */
async function enableTotp(account: Account): Promise<string> {
  const offered = await patch(account, { is_totp_allowed: true });
  expect(offered).toMatchObject({ status: 200, json: { is_totp_allowed: false, totp_secret: expect.stringMatching(/^[A-Z2-7]{32}$/) } });
  const { totp_secret: secret, totp_uri: uri } = offered.json as { totp_secret: string; totp_uri: string };
  expect(uri).toBe(`otpauth://totp/Authenticator:${account.contact}?secret=${secret}&issuer=Authenticator&algorithm=SHA1&digits=6&period=30`);
  const confirmed = await patch(account, { is_totp_allowed: true, totp_code: codeAt(secret) });
  expect(confirmed).toMatchObject({ status: 200, json: { is_totp_allowed: true, totp_secret: "", totp_uri: "" } });
  return secret;
}

describe("PATCH /api/v1/user/:user_id (factors)", () => {
  it("enables TOTP after one valid code; a login then takes a TOTP code, once, and no code is sent when codes are off", async () => {
    const account = await signUpVerified(server, sinks);
    const secret = await enableTotp(account);
    expect(await patch(account, { is_code_allowed: false })).toMatchObject({ status: 200, json: { is_code_allowed: false, is_totp_allowed: true } });
    const queued = await queuedCount(server, account.contact);
    const identified = await logIn(server, sinks, account);
    // The confirming code used the current step: the next one is good once.
    const code = codeAt(secret, 1);
    const verified = await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(identified) });
    expect(verified.status, verified.text).toBe(200);
    expect(claimsOf(heldFrom(verified).token).state).toBe("authorized");
    // Replay: a TOTP code counts once.
    const again = await logIn(server, sinks, account);
    expect(await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(again) })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
    expect(await queuedCount(server, account.contact)).toBe(queued);
  });

  it("refuses a wrong confirmation code, and TOTP codes while TOTP is not confirmed", async () => {
    const account = await signUpVerified(server, sinks);
    const offered = (await patch(account, { is_totp_allowed: true })).json as { totp_secret: string };
    const wrong = codeAt(offered.totp_secret) === "000000" ? "111111" : "000000";
    expect(await patch(account, { is_totp_allowed: true, totp_code: wrong })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
    const identified = await logIn(server, sinks, account);
    expect((await api(server, "POST", "/login/verify-code", { body: { code: codeAt(offered.totp_secret) }, headers: auth(identified) })).status).toBe(401);
  });

  it("turns TOTP off (its secret stops working) and keeps at least one factor allowed", async () => {
    const account = await signUpVerified(server, sinks);
    const secret = await enableTotp(account);
    expect(await patch(account, { is_code_allowed: false, is_totp_allowed: false, is_device_allowed: false })).toMatchObject({ status: 400, json: { error: { code: "invalid_field" } } });
    expect(await patch(account, { is_totp_allowed: false })).toMatchObject({ status: 200, json: { is_code_allowed: true, is_totp_allowed: false } });
    const identified = await logIn(server, sinks, account);
    expect((await api(server, "POST", "/login/verify-code", { body: { code: codeAt(secret, 1) }, headers: auth(identified) })).status).toBe(401);
  });

  it("refuses toggles on another user's account", async () => {
    const account = await signUpVerified(server, sinks);
    const other = await signUpVerified(server, sinks);
    expect(await api(server, "PATCH", `/user/${other.userId}`, { body: { is_code_allowed: false, is_device_allowed: true }, headers: auth(account) })).toMatchObject({ status: 403, json: { error: { code: "not_own_user" } } });
  });
});
