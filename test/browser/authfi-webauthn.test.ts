import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { accessPoint, apiKey, authfi, newName } from "../authfi/authfi-client.js";
import { startBrowserServer, type BrowserServer } from "./harness/browser-server.js";
import { openForeignOrigin } from "./harness/foreign-origin.js";
import { createInPage, credentialOf, getInPage } from "./harness/page-webauthn.js";
import { describeBrowser, browserTestTimeoutMs } from "./harness/suite.js";
import { addVirtualAuthenticator, type VirtualAuthenticator } from "./harness/virtual-authenticator.js";

// AuthFi is called server to server (AT-X-KEY): the test's Node side plays the relying party's
// back end, fetching the options and posting the browser's answer, and the page only runs
// navigator.credentials, as a relying party's front end does.

let server: BrowserServer;

type Answer<K extends string> = Record<K, Record<string, unknown>>;

async function registrationOptions(name: string): Promise<Record<string, unknown>> {
  const body = { params: { user: { name, displayName: name }, authenticatorSelection: { authenticatorAttachment: "cross-platform", requireResidentKey: true, userVerification: "required" }, attestation: "none" } };
  const answer = await authfi(server, "POST", "/webauthn/registration", body);
  expect(answer).toMatchObject({ status: 200, json: { code: 0 } });
  return (answer.json as Answer<"fido_register_request">).fido_register_request;
}

async function loginOptions(): Promise<Record<string, unknown>> {
  const answer = await authfi(server, "POST", "/webauthn/login", { params: { userVerification: "required" } });
  expect(answer).toMatchObject({ status: 200, json: { code: 0 } });
  return (answer.json as Answer<"fido_login_request">).fido_login_request;
}

/** The relying party's page (on the server's own origin) registers a security key for a new user. */
async function registerInPage(page: Page): Promise<{ name: string; userId: string; keyId: string }> {
  await page.goto(`${server.origin}/.well-known/config`);
  const name = newName("browser");
  const options = await registrationOptions(name);
  const credential = credentialOf(await createInPage(page, options));
  const answer = await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: credential });
  expect(answer).toMatchObject({ status: 201, json: { code: 0, key_info: { credential_id: credential.id } } });
  return { name, userId: (answer.json as { uid: string }).uid, keyId: credential.id as string };
}

/** A discoverable login from the page: the assertion the browser made, for the test to post. */
async function assertInPage(page: Page): Promise<Record<string, unknown>> {
  return credentialOf(await getInPage(page, await loginOptions()));
}

/** The origin the browser wrote into a credential's clientDataJSON. */
function clientOrigin(credential: Record<string, unknown>): string {
  const { clientDataJSON } = credential.response as { clientDataJSON: string };
  return (JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as { origin: string }).origin;
}

const login = (assertion: Record<string, unknown>) => authfi(server, "PUT", "/webauthn/login", { fido_login_response: assertion });

/** A security key with resident keys: AuthFi's options ask for a cross-platform authenticator. */
const securityKey = (page: Page): Promise<VirtualAuthenticator> => addVirtualAuthenticator(page, { transport: "usb" });

describeBrowser("AuthFi ceremonies in Chromium with a virtual security key", (browser) => {
  beforeAll(async () => {
    server = await startBrowserServer({ AUTHFI_ACCESS_POINT: accessPoint, AUTHFI_API_KEY: apiKey });
  });
  afterAll(async () => {
    await server?.close();
  });

  it(
    "registers a key from options the server answered, logs in with it (discoverable) and verifies it as a second factor",
    async () => {
      const { page } = browser;
      const authenticator = await securityKey(page);
      const { name, userId, keyId } = await registerInPage(page);
      expect(await authenticator.credentials()).toEqual([expect.objectContaining({ isResidentCredential: true })]);

      const first = await login(await assertInPage(page));
      expect(first).toMatchObject({ status: 200, json: { code: 0, user: { id: userId, name }, key_info: { credential_id: keyId } } });

      const challenge = await authfi(server, "POST", "/webauthn/verification", { uId: name, params: { userVerification: "required" } });
      const request = (challenge.json as Answer<"fido_auth_request">).fido_auth_request;
      expect(request).toMatchObject({ allowCredentials: [expect.objectContaining({ id: keyId })] });
      const assertion = credentialOf(await getInPage(page, request));
      expect(await authfi(server, "PUT", "/webauthn/verification", { fido_auth_response: assertion })).toMatchObject({ status: 200, json: { code: 0, uid: userId, key_info: { credential_id: keyId } } });
    },
    browserTestTimeoutMs,
  );

  it(
    "refuses an assertion posted twice (4000)",
    async () => {
      const { page } = browser;
      await securityKey(page);
      await registerInPage(page);
      const assertion = await assertInPage(page);
      expect((await login(assertion)).status).toBe(200);
      expect(await login(assertion)).toMatchObject({ status: 400, json: { code: 4000 } });
    },
    browserTestTimeoutMs,
  );

  it(
    "refuses a key deleted through the management API while the authenticator still holds it (1002)",
    async () => {
      const { page } = browser;
      const authenticator = await securityKey(page);
      const { userId, keyId } = await registerInPage(page);
      expect(await authfi(server, "DELETE", `/users/${userId}/keys/${keyId}`)).toMatchObject({ status: 200, json: { code: 0, deleteKeys: 1 } });
      expect(await authenticator.credentials()).toHaveLength(1);
      expect(await login(await assertInPage(page))).toMatchObject({ status: 404, json: { code: 1002 } });
    },
    browserTestTimeoutMs,
  );

  // A cloned authenticator: the same private key elsewhere, whose counter is behind the server's.
  it(
    "refuses a credential reinstalled with a lower sign count (3900), as a clone of the key would sign",
    async () => {
      const { page } = browser;
      const authenticator = await securityKey(page);
      await registerInPage(page);
      expect((await login(await assertInPage(page))).status).toBe(200);
      expect((await login(await assertInPage(page))).status).toBe(200);
      const [original] = await authenticator.credentials();
      expect(original!.signCount).toBeGreaterThanOrEqual(2);
      await authenticator.removeCredential(original!.credentialId);
      await authenticator.addCredential({ ...original!, signCount: 0 });
      expect(await login(await assertInPage(page))).toMatchObject({ status: 401, json: { code: 3900 } });
    },
    browserTestTimeoutMs,
  );

  it(
    "refuses a registration and a login made on a page of an origin not in ORIGIN (4000)",
    async () => {
      const { page } = browser;
      await securityKey(page);
      await registerInPage(page);
      const foreign = await openForeignOrigin(page);
      const foreignKey = credentialOf(await createInPage(page, await registrationOptions(newName("foreign"))));
      expect(clientOrigin(foreignKey)).toBe(foreign);
      expect(await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: foreignKey })).toMatchObject({ status: 400, json: { code: 4000 } });
      expect(await login(await assertInPage(page))).toMatchObject({ status: 400, json: { code: 4000 } });
    },
    browserTestTimeoutMs,
  );
});
