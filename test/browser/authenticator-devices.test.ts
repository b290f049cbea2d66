import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startSmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink } from "../harness/webhook-sink.js";
import { api, auth, claimsOf, heldFrom, logIn, signUpVerified, type Account, type Held, type Sinks } from "../authenticator/authenticator-client.js";
import { startBrowserServer, type BrowserServer } from "./harness/browser-server.js";
import { openForeignOrigin } from "./harness/foreign-origin.js";
import { createInPage, credentialOf, getInPage } from "./harness/page-webauthn.js";
import { describeBrowser, browserTestTimeoutMs } from "./harness/suite.js";
import { addVirtualAuthenticator, type VirtualAuthenticator } from "./harness/virtual-authenticator.js";

// The Authenticator API's devices (a security key as second factor) made and used by Chromium:
// the test's Node side calls the REST API with the token, as the app's back end or its script
// would, and the page runs navigator.credentials on the server's own origin.

let server: BrowserServer;
let sinks: Sinks;

type Options = { publicKey: Record<string, unknown> };

/** A verified user whose device (the page's virtual security key) is registered and allowed as the second factor. */
async function deviceUser(page: Page): Promise<Account & { deviceId: string }> {
  await page.goto(`${server.origin}/.well-known/config`);
  const account = await signUpVerified(server, sinks);
  const options = await api(server, "POST", "/device", { headers: auth(account) });
  expect(options.status, options.text).toBe(200);
  const credential = credentialOf(await createInPage(page, (options.json as Options).publicKey));
  expect(await api(server, "POST", "/device/verify", { body: credential, headers: auth(account) })).toMatchObject({ status: 201, json: { id: credential.id } });
  expect((await api(server, "PATCH", `/user/${account.userId}`, { body: { is_device_allowed: true }, headers: auth(account) })).json).toMatchObject({ is_device_allowed: true });
  return { ...account, deviceId: credential.id as string };
}

/** Logs in with the password and has the page sign the device challenge: the identified token and the assertion. */
async function deviceAssertion(page: Page, account: Account): Promise<{ identified: Held; assertion: Record<string, unknown> }> {
  const identified = await logIn(server, sinks, account);
  const challenge = await api(server, "GET", "/login/verify-device", { headers: auth(identified) });
  expect(challenge.status, challenge.text).toBe(200);
  return { identified, assertion: credentialOf(await getInPage(page, (challenge.json as Options).publicKey)) };
}

const verifyLogin = (identified: Held, assertion: Record<string, unknown>) => api(server, "POST", "/login/verify-device", { body: assertion, headers: auth(identified) });

/** The Authenticator API asks for a cross-platform authenticator: a security key. */
const securityKey = (page: Page): Promise<VirtualAuthenticator> => addVirtualAuthenticator(page, { transport: "usb", hasResidentKey: false });

describeBrowser("the Authenticator API's devices in Chromium with a virtual security key", (browser) => {
  beforeAll(async () => {
    sinks = { smtp: await startSmtpSink(), sms: await startWebhookSink() };
    server = await startBrowserServer({ SMTP_URL: sinks.smtp.url, SMS_WEBHOOK_URL: sinks.sms.url });
  });
  afterAll(async () => {
    await server?.close();
    await sinks?.smtp.close();
    await sinks?.sms.close();
  });

  it(
    "registers a device and logs in with the password and the device, and refuses the same assertion again",
    async () => {
      const { page } = browser;
      const authenticator = await securityKey(page);
      const user = await deviceUser(page);
      expect(await authenticator.credentials()).toEqual([expect.objectContaining({ credentialId: expect.any(String) })]);
      const { identified, assertion } = await deviceAssertion(page, user);
      const verified = await verifyLogin(identified, assertion);
      expect(verified.status, verified.text).toBe(200);
      expect(claimsOf(heldFrom(verified).token)).toMatchObject({ state: "authorized", user_id: user.userId });
      const again = await logIn(server, sinks, user);
      expect(await verifyLogin(again, assertion)).toMatchObject({ status: 401, json: { error: { code: "webauthn" } } });
    },
    browserTestTimeoutMs,
  );

  it(
    "refuses a device removed from the account while the key still holds it",
    async () => {
      const { page } = browser;
      const authenticator = await securityKey(page);
      const user = await deviceUser(page);
      const { identified, assertion } = await deviceAssertion(page, user);
      expect(await api(server, "DELETE", `/device/${user.deviceId}`, { headers: auth(user) })).toMatchObject({ status: 200 });
      expect(await authenticator.credentials()).toHaveLength(1);
      expect(await verifyLogin(identified, assertion)).toMatchObject({ status: 401, json: { error: { code: "webauthn" } } });
    },
    browserTestTimeoutMs,
  );

  it(
    "refuses a device reinstalled with a lower sign count, as a clone of the key would sign",
    async () => {
      const { page } = browser;
      const authenticator = await securityKey(page);
      const user = await deviceUser(page);
      for (let login = 0; login < 2; login++) {
        const { identified, assertion } = await deviceAssertion(page, user);
        expect((await verifyLogin(identified, assertion)).status).toBe(200);
      }
      const [original] = await authenticator.credentials();
      expect(original!.signCount).toBeGreaterThanOrEqual(2);
      await authenticator.removeCredential(original!.credentialId);
      await authenticator.addCredential({ ...original!, signCount: 0 });
      const { identified, assertion } = await deviceAssertion(page, user);
      expect(await verifyLogin(identified, assertion)).toMatchObject({ status: 401, json: { error: { code: "webauthn" } } });
    },
    browserTestTimeoutMs,
  );

  it(
    "refuses a device login and a device registration made on a page of an origin not in ORIGIN",
    async () => {
      const { page } = browser;
      const authenticator = await securityKey(page);
      const user = await deviceUser(page);
      await openForeignOrigin(page);
      const { identified, assertion } = await deviceAssertion(page, user);
      expect(await verifyLogin(identified, assertion)).toMatchObject({ status: 401, json: { error: { code: "webauthn" } } });
      // The next options exclude the registered device: a key without it makes the new one.
      await authenticator.clearCredentials();
      const options = await api(server, "POST", "/device", { headers: auth(user) });
      const foreign = credentialOf(await createInPage(page, (options.json as Options).publicKey));
      expect(await api(server, "POST", "/device/verify", { body: foreign, headers: auth(user) })).toMatchObject({ status: 400, json: { error: { code: "webauthn" } } });
    },
    browserTestTimeoutMs,
  );
});
