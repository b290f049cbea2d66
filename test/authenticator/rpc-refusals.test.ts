import { Code } from "@connectrpc/connect";
import { SignJWT } from "jose";
import { authenticator as totp } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { closeGrpcClients, rpcTransports, type RpcTransport } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../harness/software-authenticator.js";
import { auth, claimsOf, freshEmail, queuedCount, type Sinks, startWithSinks } from "./authenticator-client.js";
import { asMessage, authenticatorCall, output, rpcAccount, rpcLogIn, type AuthenticatorCall } from "./rpc-client.js";

const origin = "https://auth.example.com";
const softwareAuthenticator = new SoftwareAuthenticator(origin, "auth.example.com");
let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks({ ORIGIN: origin }));
});
afterAll(async () => {
  closeGrpcClients();
  await stop?.();
});

const invalidToken = { ok: false, code: Code.Unauthenticated, reason: "INVALID_TOKEN" };
const loginFailed = { ok: false, code: Code.Unauthenticated, reason: "WEBAUTHN_LOGIN_FAILED" };
/** A 6-digit code that is not `code`. */
const other = (code: string) => (code === "000000" ? "111111" : "000000");

/**
 * An account with one registered device (claiming `transports`): the first device enables the
 * device factor by itself; `patch` also PATCHes isDeviceAllowed, as a client may.
 */
async function deviceAccount(call: AuthenticatorCall, transports?: string[], patch = true) {
  const account = await rpcAccount(call, sinks);
  const options = output(await call("CreateDevice", {}, auth(account.held)));
  const { credential, response } = softwareAuthenticator.create(options.publicKey as { challenge: string; user: { id: string } }, "none");
  const body = transports === undefined ? response : { ...response, response: { ...response.response, transports } };
  expect((await call("VerifyDevice", asMessage(body), auth(account.held))).ok).toBe(true);
  if (patch) expect((await call("UpdateUser", { userId: account.userId, isDeviceAllowed: true }, auth(account.held))).ok).toBe(true);
  return { ...account, credential };
}

type Request = { challenge: string; allowCredentials: Array<{ transports: string[] }> };
const assertionFor = (credential: SoftwareCredential, challenge: string) => asMessage(softwareAuthenticator.get(credential, challenge));

/** Each refusal the Authenticator API owes, as one case run over every RPC transport. */
const refusals: Array<[string, (call: AuthenticatorCall) => Promise<void>]> = [
  ["VerifyToken refuses garbage, an altered and an expired token with Unauthenticated", async (call) => {
    const { held: account } = await rpcAccount(call, sinks);
    const [header, , signature] = account.token.split(".") as [string, string, string];
    const altered = `${header}.${Buffer.from(JSON.stringify({ ...claimsOf(account.token), user_id: "00000000-0000-4000-8000-000000000000" })).toString("base64url")}.${signature}`;
    const key = await server.app.keys.signingKey("EdDSA");
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ ...claimsOf(account.token), iat: now - 100, exp: now - 10 }).setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" }).sign(key.privateKey);
    for (const token of ["garbage", altered, expired]) expect(await call("VerifyToken", {}, auth({ token, clientId: account.clientId }))).toMatchObject(invalidToken);
    expect((await call("VerifyToken", {}, auth(account))).ok).toBe(true);
  }],
  ["VerifyToken refuses a token in the wrong state with PermissionDenied", async (call) => {
    const account = await rpcAccount(call, sinks);
    const identified = await rpcLogIn(call, sinks, account);
    expect(await call("VerifyToken", {}, auth(identified))).toMatchObject({ ok: false, code: Code.PermissionDenied, reason: "WRONG_TOKEN_STATE" });
  }],
  ["VerifyLoginCode yields no token after five wrong codes", async (call) => {
    const identified = await rpcLogIn(call, sinks, await rpcAccount(call, sinks));
    for (let i = 0; i < 5; i++) expect(await call("VerifyLoginCode", { code: other(identified.code) }, auth(identified))).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "INVALID_CODE" });
    expect(await call("VerifyLoginCode", { code: identified.code }, auth(identified))).toMatchObject(invalidToken);
  }],
  ["LogIn and VerifyLoginCode answer ResourceExhausted after ten wrong codes of one user", async (call) => {
    const account = await rpcAccount(call, sinks);
    const first = await rpcLogIn(call, sinks, account);
    const second = await rpcLogIn(call, sinks, account);
    const third = await rpcLogIn(call, sinks, account);
    for (const token of [first, second]) for (let i = 0; i < 5; i++) expect((await call("VerifyLoginCode", { code: other(third.code) }, auth(token))).ok).toBe(false);
    const exhausted = { ok: false, code: Code.ResourceExhausted, reason: "TOO_MANY_ATTEMPTS" };
    expect(await call("VerifyLoginCode", { code: third.code }, auth(third))).toMatchObject(exhausted);
    expect(await call("LogIn", { email: account.email, password: account.password })).toMatchObject(exhausted);
  }],
  ["VerifyLoginDevice refuses a replayed assertion, a never-issued challenge and a Hanko discoverable-login challenge", async (call) => {
    const account = await deviceAccount(call);
    const identified = await rpcLogIn(call, sinks, account);
    const challenge = output(await call("GetLoginDeviceChallenge", {}, auth(identified))).publicKey as Request;
    const assertion = assertionFor(account.credential, challenge.challenge);
    expect((await call("VerifyLoginDevice", assertion, auth(identified))).ok).toBe(true);
    const again = await rpcLogIn(call, sinks, account);
    expect(await call("VerifyLoginDevice", assertion, auth(again))).toMatchObject(loginFailed);
    expect(await call("VerifyLoginDevice", assertionFor(account.credential, Buffer.alloc(32, 3).toString("base64url")), auth(again))).toMatchObject(loginFailed);
    const hanko = (await rest(server.url, "POST", "/webauthn/login/initialize", { body: {} })).json as { publicKey: Request };
    expect(await call("VerifyLoginDevice", assertionFor(account.credential, hanko.publicKey.challenge), auth(again))).toMatchObject(loginFailed);
  }],
  // The original service sets IsDeviceAllowed with the first device, in the same transaction.
  ["VerifyDevice of the first device enables the device factor: VerifyLoginDevice answers without UpdateUser", async (call) => {
    const account = await deviceAccount(call, undefined, false);
    const identified = await rpcLogIn(call, sinks, account);
    const challenge = output(await call("GetLoginDeviceChallenge", {}, auth(identified))).publicKey as Request;
    const verified = await call("VerifyLoginDevice", assertionFor(account.credential, challenge.challenge), auth(identified));
    expect(verified.ok).toBe(true);
    expect(claimsOf(String(output(verified).token))).toMatchObject({ state: "authorized" });
  }],
  ["VerifyDevice keeps only WebAuthn transport values", async (call) => {
    const account = await deviceAccount(call, ["nfc", "bogus", "hybrid"]);
    const identified = await rpcLogIn(call, sinks, account);
    const challenge = output(await call("GetLoginDeviceChallenge", {}, auth(identified))).publicKey as Request;
    expect(challenge.allowCredentials.map((descriptor) => descriptor.transports)).toEqual([["nfc", "hybrid"]]);
  }],
  ["SignUp answers a taken contact exactly as a new one", async (call) => {
    const account = await rpcAccount(call, sinks);
    const queued = await queuedCount(server, account.email);
    const taken = output(await call("SignUp", { email: account.email, password: "rpc password 2" }));
    const fresh = output(await call("SignUp", { email: freshEmail(), password: "rpc password 2" }));
    expect(Object.keys(taken).sort()).toEqual(Object.keys(fresh).sort());
    expect(Object.keys(claimsOf(String(taken.token))).sort()).toEqual(Object.keys(claimsOf(String(fresh.token))).sort());
    expect(claimsOf(String(taken.token))).toMatchObject({ state: "unverified" });
    expect(claimsOf(String(taken.token)).user_id).not.toBe(account.userId);
    // The owner is told (a notice), the caller is not.
    expect(await queuedCount(server, account.email)).toBe(queued + 1);
  }],
  ["SignUp passes 5 of 10 parallel sign-ups for one contact", async (call) => {
    const email = freshEmail();
    const answers = await Promise.all(Array.from({ length: 10 }, () => call("SignUp", { email, password: "rpc password 1" })));
    expect(answers.filter((answer) => answer.ok)).toHaveLength(5);
    expect(answers.filter((answer) => !answer.ok && answer.code === Code.ResourceExhausted && answer.reason === "SIGNUP_RATE_LIMITED")).toHaveLength(5);
  }],
  ["UpdateUser refuses devices as the only factor without a device", async (call) => {
    const account = await rpcAccount(call, sinks);
    expect(await call("UpdateUser", { userId: account.userId, isCodeAllowed: false, isDeviceAllowed: true }, auth(account.held))).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "INVALID_FIELD" });
  }],
  ["UpdateUser voids an offered TOTP secret after five wrong confirmation codes", async (call) => {
    const account = await rpcAccount(call, sinks);
    const secret = String(output(await call("UpdateUser", { userId: account.userId, isTotpAllowed: true }, auth(account.held))).totp_secret);
    const confirm = (totpCode: string) => call("UpdateUser", { userId: account.userId, isTotpAllowed: true, totpCode }, auth(account.held));
    for (let i = 0; i < 5; i++) expect(await confirm(other(totp.generate(secret)))).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "INVALID_CODE" });
    expect(await confirm(totp.generate(secret))).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "INVALID_CODE" });
  }],
];

describe.each(rpcTransports)("AuthenticatorService refusals over %s", (transport: RpcTransport) => {
  const call = authenticatorCall(transport, () => server);
  it.each(refusals)("%s", async (_name, refusal) => {
    await refusal(call);
  });
});

