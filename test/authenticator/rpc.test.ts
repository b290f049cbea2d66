import { Code } from "@connectrpc/connect";
import { authenticator as totp } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeGrpcClients, rpcTransports, type RpcTransport } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";
import { SoftwareAuthenticator } from "../harness/software-authenticator.js";
import { auth, claimsOf, codeSent, freshEmail, freshPhone, sentCount, type Sinks, startWithSinks } from "./authenticator-client.js";
import { asMessage, authenticatorCall, held, rpcAccount } from "./rpc-client.js";

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

describe.each(rpcTransports)("AuthenticatorService over %s", (transport: RpcTransport) => {
  const call = authenticatorCall(transport, () => server);

  it("signs up, verifies the code, logs in, verifies the login code, verifies and revokes the token, and changes the password", async () => {
    const phone = freshPhone();
    const started = held(await call("SignUp", { phone, password: "rpc password 1" }));
    expect(claimsOf(started.token).state).toBe("unverified");
    const authorized = held(await call("VerifySignUp", { code: await codeSent(sinks, phone, 0) }, auth(started)));
    const userId = String(claimsOf(authorized.token).user_id);
    expect(claimsOf(authorized.token).state).toBe("authorized");

    const identified = held(await call("LogIn", { phone, password: "rpc password 1" }));
    expect(claimsOf(identified.token).state).toBe("identified");
    const second = held(await call("VerifyLoginCode", { code: await codeSent(sinks, phone, 1) }, auth(identified)));
    expect(await call("VerifyToken", {}, auth(second))).toEqual({ ok: true, output: expect.objectContaining({ user_id: userId, state: "authorized", token_id: claimsOf(second.token).jti }) });

    expect((await call("RevokeToken", { tokenId: claimsOf(second.token).jti }, auth(authorized))).ok).toBe(true);
    expect(await call("VerifyToken", {}, auth(second))).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "INVALID_TOKEN" });

    const changed = await call("UpdateUser", { userId, password: "rpc password 2", currentPassword: "rpc password 1" }, auth(authorized));
    expect(changed).toMatchObject({ ok: true, output: { user_id: userId, is_code_allowed: true } });
    expect(await call("LogIn", { phone, password: "rpc password 1" })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "INVALID_CREDENTIALS" });
    expect((await call("LogIn", { phone, password: "rpc password 2" })).ok).toBe(true);
  });

  it("refuses a bad contact, a token without its client id, wrong codes, another user's id, and an unknown token", async () => {
    expect(await call("SignUp", { email: "nope" })).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "INVALID_FIELD" });
    const email = freshEmail();
    const started = held(await call("SignUp", { email }));
    const code = await codeSent(sinks, email, 0);
    expect(await call("VerifySignUp", { code }, { authorization: `Bearer ${started.token}` })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "INVALID_TOKEN" });
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) expect(await call("VerifySignUp", { code: wrong }, auth(started))).toMatchObject({ ok: false, reason: "INVALID_CODE" });
    expect(await call("VerifySignUp", { code }, auth(started))).toMatchObject({ ok: false, code: Code.Unauthenticated });
    expect(sentCount(sinks, email)).toBe(1);

    const other = freshEmail();
    const pending = held(await call("SignUp", { email: other }));
    const mine = held(await call("VerifySignUp", { code: await codeSent(sinks, other, 0) }, auth(pending)));
    expect(await call("UpdateUser", { userId: "00000000-0000-4000-8000-000000000000", isCodeAllowed: true }, auth(mine))).toMatchObject({ ok: false, code: Code.PermissionDenied, reason: "NOT_OWN_USER" });
    expect(await call("RevokeToken", { tokenId: "00000000-0000-4000-8000-000000000000" }, auth(mine))).toMatchObject({ ok: false, code: Code.NotFound, reason: "TOKEN_NOT_FOUND" });
    expect(await call("LogIn", { email: freshEmail(), password: "whatever it is" })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "INVALID_CREDENTIALS" });
  });

  const account = () => rpcAccount(call, sinks);

  it("registers a device, logs in with it, and removes it", async () => {
    const { email, held: authorized, userId } = await account();
    const options = await call("CreateDevice", {}, auth(authorized));
    if (!options.ok) throw new Error(options.message);
    const publicKey = options.output.publicKey as { challenge: string; user: { id: string }; attestation: string };
    expect(publicKey.attestation).toBe("direct");
    const { credential, response } = softwareAuthenticator.create(publicKey, "packed");
    const device = await call("VerifyDevice", asMessage(response), auth(authorized));
    expect(device).toEqual({ ok: true, output: { id: response.id } });
    expect((await call("UpdateUser", { userId, isDeviceAllowed: true }, auth(authorized))).ok).toBe(true);

    const identified = held(await call("LogIn", { email, password: "rpc password 1" }));
    const challenge = await call("GetLoginDeviceChallenge", {}, auth(identified));
    if (!challenge.ok) throw new Error(challenge.message);
    const assertion = softwareAuthenticator.get(credential, (challenge.output.publicKey as { challenge: string }).challenge);
    const loggedIn = held(await call("VerifyLoginDevice", asMessage(assertion), auth(identified)));
    expect(claimsOf(loggedIn.token).state).toBe("authorized");

    expect(await call("RemoveDevice", { deviceId: response.id }, auth(authorized))).toEqual({ ok: true, output: {} });
    expect(await call("RemoveDevice", { deviceId: response.id }, auth(authorized))).toMatchObject({ ok: false, code: Code.NotFound, reason: "DEVICE_NOT_FOUND" });
    const next = await call("CreateDevice", {}, auth(authorized));
    if (!next.ok) throw new Error(next.message);
    const foreign = softwareAuthenticator.create(next.output.publicKey as typeof publicKey, "none", { origin: "https://evil.example.net" });
    expect(await call("VerifyDevice", asMessage(foreign.response), auth(authorized))).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "WEBAUTHN_REGISTRATION_FAILED" });
  });

  it("enables TOTP and logs in with a TOTP code", async () => {
    const { email, held: authorized, userId } = await account();
    const offered = await call("UpdateUser", { userId, isTotpAllowed: true }, auth(authorized));
    if (!offered.ok) throw new Error(offered.message);
    const secret = String(offered.output.totp_secret);
    expect(String(offered.output.totp_uri)).toMatch(/^otpauth:\/\/totp\//);
    expect(await call("UpdateUser", { userId, isTotpAllowed: true, totpCode: totp.generate(secret) }, auth(authorized))).toMatchObject({ ok: true, output: { is_totp_allowed: true } });
    const identified = held(await call("LogIn", { email, password: "rpc password 1" }));
    const code = totp.clone({ epoch: Date.now() + 30_000 }).generate(secret);
    expect(claimsOf(held(await call("VerifyLoginCode", { code }, auth(identified))).token).state).toBe("authorized");
  });
});
