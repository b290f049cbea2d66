import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import type { TestServer } from "../harness/server.js";
import { SoftwareAuthenticator } from "../harness/software-authenticator.js";
import { api, auth, codeSent, freshEmail, logIn, sentCount, signUpVerified, type Held, type Sinks, startWithSinks } from "../authenticator/authenticator-client.js";

// Review probes of the one WebAuthn ceremony: races on the credential cap and the sign count,
// and the Authenticator API's device factor against the original service.

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

/** A new Hanko user with a session (passcode login over the SMTP sink). */
async function signUpAndLogIn(): Promise<{ userId: string; bearer: Record<string, string> }> {
  const email = freshEmail();
  const userId = ((await rest(server.url, "POST", "/users", { body: { email } })).json as { user_id: string }).user_id;
  const passcode = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId } });
  const code = await codeSent(sinks, email, 0);
  const session = await rest(server.url, "POST", "/passcode/login/finalize", { body: { id: (passcode.json as { id: string }).id, code } });
  return { userId, bearer: { authorization: `Bearer ${String(session.headers["x-auth-token"])}` } };
}

describe("review probes", () => {
  it("keeps Hanko's cap of 20 passkeys under 25 concurrent finalizations", async () => {
    const user = await signUpAndLogIn();
    const inits = [];
    for (let i = 0; i < 25; i++) inits.push(await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer }));
    const responses = inits.map((init) => authenticator.create((init.json as Creation).publicKey).response);
    const finals = await Promise.all(responses.map((body) => rest(server.url, "POST", "/webauthn/registration/finalize", { body, headers: user.bearer })));
    expect(finals.filter((f) => f.status === 200)).toHaveLength(20);
    expect(finals.filter((f) => f.status === 409)).toHaveLength(5);
    const held = await server.app.database.db.selectFrom("webauthn_credentials").select((eb) => eb.fn.countAll<string>().as("n")).where("user_id", "=", user.userId).executeTakeFirstOrThrow();
    expect(Number(held.n)).toBe(20);
  });

  it("lets one of two clones with the same counter pass, on two challenges at once", async () => {
    const user = await signUpAndLogIn();
    const init = await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer });
    const { credential, response } = authenticator.create((init.json as Creation).publicKey);
    expect((await rest(server.url, "POST", "/webauthn/registration/finalize", { body: response, headers: user.bearer })).status).toBe(200);
    const challenges: string[] = [];
    for (let i = 0; i < 6; i++) challenges.push(((await rest(server.url, "POST", "/webauthn/login/initialize", { body: {} })).json as Creation).publicKey.challenge);
    const assertions = challenges.map((challenge) => authenticator.get(credential, challenge, { counter: 7 }));
    const finals = await Promise.all(assertions.map((body) => rest(server.url, "POST", "/webauthn/login/finalize", { body })));
    expect(finals.map((f) => f.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  // The original service (deviceapi -> webauthn.FinishSignUp) takes enableNewDevice whenever
  // IsDeviceAllowed is false, which sets it true: registering a device while devices are off
  // turns them on, whether or not it is the first.
  it("allows devices again when a device is registered while they are off, as the original service does", async () => {
    const account = await signUpVerified(server, sinks);
    const register = async (held: Held) => {
      const options = await api(server, "POST", "/device", { headers: auth(held) });
      const { response } = authenticator.create((options.json as Creation).publicKey, "packed");
      expect((await api(server, "POST", "/device/verify", { body: response, headers: auth(held) })).status).toBe(201);
    };
    await register(account);
    expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_device_allowed: false }, headers: auth(account) })).status).toBe(200);
    await register(account);
    const identified = await logIn(server, sinks, account);
    expect((await api(server, "GET", "/login/verify-device", { headers: auth(identified) })).status).toBe(200);
  });

  // Hanko and the Authenticator API share the default tenant's users (an Authenticator sign-up
  // writes the email Hanko logs in with) and credentials: a Hanko passkey makes the user's first
  // Authenticator device not "first", so the fix does not hold for that user.
  it("allows devices with the first Authenticator device of a user who also holds a Hanko passkey", async () => {
    const account = await signUpVerified(server, sinks);
    const index = sentCount(sinks, account.contact);
    const passcode = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: account.userId } });
    expect(passcode.status, passcode.text).toBe(200);
    const code = await codeSent(sinks, account.contact, index);
    const session = await rest(server.url, "POST", "/passcode/login/finalize", { body: { id: (passcode.json as { id: string }).id, code } });
    const bearer = { authorization: `Bearer ${String(session.headers["x-auth-token"])}` };
    const init = await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: bearer });
    expect((await rest(server.url, "POST", "/webauthn/registration/finalize", { body: authenticator.create((init.json as Creation).publicKey).response, headers: bearer })).status).toBe(200);
    const options = await api(server, "POST", "/device", { headers: auth(account) });
    const { response } = authenticator.create((options.json as Creation).publicKey, "packed");
    expect((await api(server, "POST", "/device/verify", { body: response, headers: auth(account) })).status).toBe(201);
    const identified = await logIn(server, sinks, account);
    expect((await api(server, "GET", "/login/verify-device", { headers: auth(identified) })).status).toBe(200);
  });

  // The Authenticator API refuses to remove the last device while devices are the only factor;
  // Hanko's credential deletion removes the very same row with no such check.
  it("does not let Hanko remove the Authenticator device that is a user's only second factor", async () => {
    const account = await signUpVerified(server, sinks);
    const options = await api(server, "POST", "/device", { headers: auth(account) });
    const { response } = authenticator.create((options.json as Creation).publicKey, "packed");
    expect((await api(server, "POST", "/device/verify", { body: response, headers: auth(account) })).status).toBe(201);
    expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_code_allowed: false, is_device_allowed: true }, headers: auth(account) })).json).toMatchObject({ is_code_allowed: false, is_device_allowed: true });
    expect((await api(server, "DELETE", `/device/${response.id}`, { headers: auth(account) })).status).toBe(400);
    const index = sentCount(sinks, account.contact);
    const passcode = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: account.userId } });
    const code = await codeSent(sinks, account.contact, index);
    const session = await rest(server.url, "POST", "/passcode/login/finalize", { body: { id: (passcode.json as { id: string }).id, code } });
    const bearer = { authorization: `Bearer ${String(session.headers["x-auth-token"])}` };
    await rest(server.url, "DELETE", `/webauthn/credentials/${response.id}`, { headers: bearer });
    const left = await server.app.database.db.selectFrom("webauthn_credentials").select("id").where("user_id", "=", account.userId).execute();
    expect(left).toHaveLength(1);
  });

  // The abuse table's Hanko row takes its foreign challenges from another user and another
  // tenant, so it passes with no purpose binding at all; this is the case only the purpose refuses.
  it("refuses at Hanko's login the Authenticator API's device challenge of the same user", async () => {
    const account = await signUpVerified(server, sinks);
    const options = await api(server, "POST", "/device", { headers: auth(account) });
    const { credential, response } = authenticator.create((options.json as Creation).publicKey, "packed");
    expect((await api(server, "POST", "/device/verify", { body: response, headers: auth(account) })).status).toBe(201);
    const identified = await logIn(server, sinks, account);
    const challenge = ((await api(server, "GET", "/login/verify-device", { headers: auth(identified) })).json as Creation).publicKey.challenge;
    const answer = await rest(server.url, "POST", "/webauthn/login/finalize", { body: authenticator.get(credential, challenge) });
    expect(answer).toMatchObject({ status: 401, json: { code: 401 } });
  });
});
