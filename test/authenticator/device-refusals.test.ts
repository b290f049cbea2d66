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

