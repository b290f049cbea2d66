import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import type { TestServer } from "../harness/server.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../harness/software-authenticator.js";
import { api, auth, logIn, signUpVerified, type Account, type Held, type Sinks, startWithSinks } from "./authenticator-client.js";

const origin = "https://auth.example.com";
const authenticator = new SoftwareAuthenticator(origin, "auth.example.com");
let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks({ ORIGIN: origin }));
});
afterAll(async () => {
  await stop?.();
});

type Request = { publicKey: { challenge: string; allowCredentials: Array<{ id: string; transports: string[] }> } };

/** Registers a device claiming `transports`. */
async function registerDevice(account: Held, transports?: string[]): Promise<SoftwareCredential> {
  const options = await api(server, "POST", "/device", { headers: auth(account) });
  const { credential, response } = authenticator.create((options.json as { publicKey: { challenge: string; user: { id: string } } }).publicKey, "none");
  const body = transports === undefined ? response : { ...response, response: { ...response.response, transports } };
  expect((await api(server, "POST", "/device/verify", { body, headers: auth(account) })).status).toBe(201);
  return credential;
}

async function deviceUser(): Promise<Account & { credential: SoftwareCredential }> {
  const account = await signUpVerified(server, sinks);
  const credential = await registerDevice(account);
  expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_device_allowed: true }, headers: auth(account) })).status).toBe(200);
  return { ...account, credential };
}

describe("POST /api/v1/login/verify-device", () => {
  // Challenge substitution: a challenge nobody bound to this user (a Hanko discoverable login's)
  // must not answer the second factor of the user's identified token.
  it("refuses an assertion over a discoverable-login challenge issued by Hanko", async () => {
    const user = await deviceUser();
    const identified = await logIn(server, sinks, user);
    const hanko = await rest(server.url, "POST", "/webauthn/login/initialize", { body: {} });
    expect(hanko.status, hanko.text).toBe(200);
    const assertion = authenticator.get(user.credential, (hanko.json as Request).publicKey.challenge);
    expect(await api(server, "POST", "/login/verify-device", { body: assertion, headers: auth(identified) })).toMatchObject({ status: 401, json: { error: { code: "webauthn" } } });
  });

  it("refuses a challenge that was never issued", async () => {
    const user = await deviceUser();
    const identified = await logIn(server, sinks, user);
    const assertion = authenticator.get(user.credential, Buffer.alloc(32, 9).toString("base64url"));
    expect(await api(server, "POST", "/login/verify-device", { body: assertion, headers: auth(identified) })).toMatchObject({ status: 401, json: { error: { code: "webauthn" } } });
  });
});

describe("POST /api/v1/device/verify transports", () => {
  it("keeps only the WebAuthn transport values a client claims", async () => {
    const account = await signUpVerified(server, sinks);
    await registerDevice(account, ["usb", "carrier-pigeon", "nfc", "usb", "<script>"]);
    expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_device_allowed: true }, headers: auth(account) })).status).toBe(200);
    const identified = await logIn(server, sinks, account);
    const options = await api(server, "GET", "/login/verify-device", { headers: auth(identified) });
    expect((options.json as Request).publicKey.allowCredentials.map((descriptor) => descriptor.transports)).toEqual([["usb", "nfc"]]);
  });
});

describe("PATCH /api/v1/user/:user_id lock-out", () => {
  // Self lock-out: with codes and TOTP off, a user with no device could never log in again.
  it("refuses devices as the only factor while no device is registered, and allows it with one", async () => {
    const account = await signUpVerified(server, sinks);
    const patch = (body: unknown) => api(server, "PATCH", `/user/${account.userId}`, { body, headers: auth(account) });
    expect(await patch({ is_code_allowed: false, is_device_allowed: true })).toMatchObject({ status: 400, json: { error: { code: "invalid_field" } } });
    // Nothing changed: codes still log in.
    expect(await patch({ is_device_allowed: false })).toMatchObject({ status: 200, json: { is_code_allowed: true } });
    const device = await registerDevice(account);
    expect(await patch({ is_code_allowed: false, is_device_allowed: true })).toMatchObject({ status: 200, json: { is_code_allowed: false, is_device_allowed: true } });
    // The same lock-out by the other door: removing the last device while it is the only factor.
    const remove = (credential: SoftwareCredential) => api(server, "DELETE", `/device/${credential.id.toString("base64url")}`, { headers: auth(account) });
    expect(await remove(device)).toMatchObject({ status: 400, json: { error: { code: "invalid_field" } } });
    const second = await registerDevice(account);
    expect(await remove(device)).toMatchObject({ status: 200 });
    expect(await remove(second)).toMatchObject({ status: 400, json: { error: { code: "invalid_field" } } });
    expect(await patch({ is_code_allowed: true })).toMatchObject({ status: 200 });
    expect(await remove(second)).toMatchObject({ status: 200 });
  });
});
