import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import type { TestServer } from "../harness/server.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../harness/software-authenticator.js";
import { api, auth, claimsOf, codeSent, heldFrom, logIn, sentCount, signUpVerified, type Account, type Held, type Sinks, startWithSinks } from "./authenticator-client.js";

const origin = "https://auth.example.com";
const authenticator = new SoftwareAuthenticator(origin, "auth.example.com");
let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks({ ORIGIN: origin, RP_NAME: "Authenticator" }));
});
afterAll(async () => {
  await stop?.();
});

type Creation = { publicKey: { challenge: string; user: { id: string } } };
type Request = { publicKey: { challenge: string; allowCredentials: Array<{ id: string }> } };

/** base64url → base64, as the seed's clients send binary members. */
const base64 = (value: string) => Buffer.from(value, "base64url").toString("base64");

async function registerDevice(account: Held): Promise<{ credential: SoftwareCredential; id: string }> {
  const options = await api(server, "POST", "/device", { headers: auth(account) });
  expect(options.status, options.text).toBe(200);
  const { credential, response } = authenticator.create((options.json as Creation).publicKey, "packed");
  const verified = await api(server, "POST", "/device/verify", { body: response, headers: auth(account) });
  expect(verified).toMatchObject({ status: 201, json: { id: response.id } });
  return { credential, id: response.id };
}

async function deviceUser(): Promise<Account & { credential: SoftwareCredential; deviceId: string }> {
  const account = await signUpVerified(server, sinks);
  const { credential, id } = await registerDevice(account);
  expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_device_allowed: true }, headers: auth(account) })).json).toMatchObject({ is_device_allowed: true });
  return { ...account, credential, deviceId: id };
}

/** A Hanko session of an Authenticator user (a passcode login: the two APIs share the user). */
async function hankoSession(account: Account): Promise<Record<string, string>> {
  const index = sentCount(sinks, account.contact);
  const passcode = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: account.userId } });
  expect(passcode.status, passcode.text).toBe(200);
  const code = await codeSent(sinks, account.contact, index);
  const session = await rest(server.url, "POST", "/passcode/login/finalize", { body: { id: (passcode.json as { id: string }).id, code } });
  expect(session.status, session.text).toBe(200);
  return { authorization: `Bearer ${String(session.headers["x-auth-token"])}` };
}

async function deviceChallenge(identified: Held): Promise<Request["publicKey"]> {
  const response = await api(server, "GET", "/login/verify-device", { headers: auth(identified) });
  expect(response.status, response.text).toBe(200);
  return (response.json as Request).publicKey;
}

describe("POST /api/v1/device and /device/verify", () => {
  it("answers the seed's creation options for an authorized user", async () => {
    const account = await signUpVerified(server, sinks);
    const options = await api(server, "POST", "/device", { headers: auth(account) });
    expect(options).toMatchObject({
      status: 200,
      json: {
        publicKey: {
          challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          rp: { name: "Authenticator", id: "auth.example.com" },
          user: { name: account.contact, displayName: account.contact, id: expect.any(String) },
          authenticatorSelection: { authenticatorAttachment: "cross-platform", requireResidentKey: false, userVerification: "preferred" },
          timeout: 60000,
          attestation: "direct",
        },
      },
    });
    const algs = (options.json as { publicKey: { pubKeyCredParams: Array<{ type: string; alg: number }> } }).publicKey.pubKeyCredParams;
    expect(algs).toEqual([-7, -35, -36, -257, -258, -259, -37, -38, -39, -8].map((alg) => ({ type: "public-key", alg })));
  });

  it("registers a device sent in base64 (the seed's encoding) and refuses its attestation a second time", async () => {
    const account = await signUpVerified(server, sinks);
    const options = await api(server, "POST", "/device", { headers: auth(account) });
    const { response } = authenticator.create((options.json as Creation).publicKey, "none");
    const encoded = {
      ...response,
      rawId: base64(response.rawId),
      response: { clientDataJSON: base64(response.response.clientDataJSON), attestationObject: base64(response.response.attestationObject) },
    };
    expect(await api(server, "POST", "/device/verify", { body: encoded, headers: auth(account) })).toMatchObject({ status: 201, json: { id: response.id } });
    // Replay: the challenge answered one ceremony.
    expect(await api(server, "POST", "/device/verify", { body: encoded, headers: auth(account) })).toMatchObject({ status: 400, json: { error: { code: "webauthn" } } });
  });

  // Phishing and forgery: a foreign origin, a made-up challenge and another user's challenge are refused.
  it("refuses a foreign origin, a never-issued challenge and another user's challenge with 400 webauthn", async () => {
    const account = await signUpVerified(server, sinks);
    const other = await signUpVerified(server, sinks);
    const options = (await api(server, "POST", "/device", { headers: auth(account) })).json as Creation;
    const foreign = authenticator.create(options.publicKey, "none", { origin: "https://evil.example.net" }).response;
    expect(await api(server, "POST", "/device/verify", { body: foreign, headers: auth(account) })).toMatchObject({ status: 400, json: { error: { code: "webauthn", message: expect.any(String) } } });
    const madeUp = authenticator.create({ ...options.publicKey, challenge: Buffer.alloc(32, 7).toString("base64url") }, "none").response;
    expect((await api(server, "POST", "/device/verify", { body: madeUp, headers: auth(account) })).status).toBe(400);
    const othersOptions = (await api(server, "POST", "/device", { headers: auth(other) })).json as Creation;
    const stolen = authenticator.create(othersOptions.publicKey, "none").response;
    expect((await api(server, "POST", "/device/verify", { body: stolen, headers: auth(account) })).status).toBe(400);
  });

  it("needs an authorized token", async () => {
    const account = await signUpVerified(server, sinks);
    const identified = await logIn(server, sinks, account);
    expect(await api(server, "POST", "/device", { headers: auth(identified) })).toMatchObject({ status: 403, json: { error: { code: "wrong_token_state" } } });
  });
});

describe("GET and POST /api/v1/login/verify-device", () => {
  it("gives an identified user request options for their devices and turns the assertion into an authorized token", async () => {
    const user = await deviceUser();
    const identified = await logIn(server, sinks, user);
    const challenge = await deviceChallenge(identified);
    expect(challenge.allowCredentials.map((descriptor) => descriptor.id)).toEqual([user.deviceId]);
    const assertion = authenticator.get(user.credential, challenge.challenge);
    // The seed's clients send binary members in base64.
    const encoded = {
      ...assertion,
      rawId: base64(assertion.rawId),
      response: { clientDataJSON: base64(assertion.response.clientDataJSON), authenticatorData: base64(assertion.response.authenticatorData), signature: base64(assertion.response.signature) },
    };
    const verified = await api(server, "POST", "/login/verify-device", { body: encoded, headers: auth(identified) });
    expect(verified.status, verified.text).toBe(200);
    expect(claimsOf(heldFrom(verified).token)).toMatchObject({ state: "authorized", user_id: user.userId });
    // Replay: the same assertion, even with a new identified token, is refused.
    const again = await logIn(server, sinks, user);
    expect(await api(server, "POST", "/login/verify-device", { body: assertion, headers: auth(again) })).toMatchObject({ status: 401, json: { error: { code: "webauthn" } } });
  });

  // The original service enables the device factor with the first device (IsDeviceAllowed = true,
  // in the registration's transaction): a registered device that cannot log in is no second factor.
  it("lets the first registered device log in without a PATCH, and a second one too", async () => {
    const account = await signUpVerified(server, sinks);
    const first = await registerDevice(account);
    const identified = await logIn(server, sinks, account);
    const challenge = await deviceChallenge(identified);
    const verified = await api(server, "POST", "/login/verify-device", { body: authenticator.get(first.credential, challenge.challenge), headers: auth(identified) });
    expect(verified.status, verified.text).toBe(200);
    expect(claimsOf(heldFrom(verified).token)).toMatchObject({ state: "authorized", user_id: account.userId });
    expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_totp_allowed: false }, headers: auth(account) })).json).toMatchObject({ is_device_allowed: true });
  });

  // The original service (deviceapi -> webauthn.FinishSignUp) takes enableNewDevice whenever
  // IsDeviceAllowed is false, which sets it true: registering a device while devices are off
  // turns them on, whether or not it is the first.
  it("allows devices again when a device is registered while they are off, as the original service does", async () => {
    const account = await signUpVerified(server, sinks);
    await registerDevice(account);
    expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_device_allowed: false }, headers: auth(account) })).json).toMatchObject({ is_device_allowed: false });
    await registerDevice(account);
    const identified = await logIn(server, sinks, account);
    expect((await api(server, "GET", "/login/verify-device", { headers: auth(identified) })).status).toBe(200);
  });

  // Hanko and the Authenticator API share the default tenant's users (an Authenticator sign-up
  // writes the email Hanko logs in with): a Hanko passkey is no Authenticator device, so the
  // user's first device still allows devices, and the passkey is not offered for the device login.
  it("allows devices with the first Authenticator device of a user who also holds a Hanko passkey, and offers only that device", async () => {
    const account = await signUpVerified(server, sinks);
    const bearer = await hankoSession(account);
    const init = await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: bearer });
    expect((await rest(server.url, "POST", "/webauthn/registration/finalize", { body: authenticator.create((init.json as Creation).publicKey).response, headers: bearer })).status).toBe(200);
    const device = await registerDevice(account);
    const identified = await logIn(server, sinks, account);
    expect((await deviceChallenge(identified)).allowCredentials.map((descriptor) => descriptor.id)).toEqual([device.id]);
  });

  it("refuses devices when they are not allowed, and a device of another user", async () => {
    const account = await signUpVerified(server, sinks);
    await registerDevice(account);
    expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_device_allowed: false }, headers: auth(account) })).status).toBe(200);
    const identified = await logIn(server, sinks, account);
    expect(await api(server, "GET", "/login/verify-device", { headers: auth(identified) })).toMatchObject({ status: 403, json: { error: { code: "factor_not_allowed" } } });
    const user = await deviceUser();
    const stranger = await deviceUser();
    const mine = await logIn(server, sinks, user);
    const challenge = await deviceChallenge(mine);
    const assertion = authenticator.get(stranger.credential, challenge.challenge);
    expect((await api(server, "POST", "/login/verify-device", { body: assertion, headers: auth(mine) })).status).toBe(401);
  });
});

describe("DELETE /api/v1/device/:device_id", () => {
  it("removes a device, which can no longer log in, and refuses an unknown id", async () => {
    const user = await deviceUser();
    const identified = await logIn(server, sinks, user);
    const challenge = await deviceChallenge(identified);
    expect(await api(server, "DELETE", `/device/${user.deviceId}`, { headers: auth(user) })).toMatchObject({ status: 200, json: {} });
    const assertion = authenticator.get(user.credential, challenge.challenge);
    expect((await api(server, "POST", "/login/verify-device", { body: assertion, headers: auth(identified) })).status).toBe(401);
    expect(await api(server, "GET", "/login/verify-device", { headers: auth(identified) })).toMatchObject({ status: 400, json: { error: { code: "no_device" } } });
    expect(await api(server, "DELETE", `/device/${user.deviceId}`, { headers: auth(user) })).toMatchObject({ status: 404, json: { error: { code: "device_not_found" } } });
    const other = await deviceUser();
    expect((await api(server, "DELETE", `/device/${other.deviceId}`, { headers: auth(user) })).status).toBe(404);
  });

  // The Authenticator API refuses to remove the last device while devices are the only factor;
  // Hanko's credential deletion must not remove that device behind its back (a lock-out).
  it("is the only way to remove a device: Hanko's credential deletion does not reach it", async () => {
    const account = await signUpVerified(server, sinks);
    const { id } = await registerDevice(account);
    expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_code_allowed: false, is_device_allowed: true }, headers: auth(account) })).json).toMatchObject({ is_code_allowed: false, is_device_allowed: true });
    expect((await api(server, "DELETE", `/device/${id}`, { headers: auth(account) })).status).toBe(400);
    const bearer = await hankoSession(account);
    expect(await rest(server.url, "DELETE", `/webauthn/credentials/${id}`, { headers: bearer })).toMatchObject({ status: 404 });
    expect(await rest(server.url, "GET", "/webauthn/credentials", { headers: bearer })).toMatchObject({ status: 200, json: [] });
    // Nor does Hanko offer it as a passkey: it could not log in there.
    expect(await rest(server.url, "POST", "/user", { body: { email: account.contact } })).toMatchObject({ status: 200, json: { has_webauthn_credential: false } });
    expect(await rest(server.url, "GET", `/users/${account.userId}`, { headers: bearer })).toMatchObject({ status: 200, json: { webauthn_credentials: [] } });
    const left = await server.app.database.db.selectFrom("webauthn_credentials").select("id").where("user_id", "=", account.userId).execute();
    expect(left).toHaveLength(1);
  });
});
