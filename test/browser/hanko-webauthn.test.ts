import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { passcodeFromLog, freshEmail } from "../hanko/hanko-client.js";
import { rest } from "../harness/rest.js";
import { startBrowserServer, type BrowserServer } from "./harness/browser-server.js";
import { openForeignOrigin } from "./harness/foreign-origin.js";
import { createInPage, credentialOf, fetchInPage, getInPage } from "./harness/page-webauthn.js";
import { describeBrowser, browserTestTimeoutMs } from "./harness/suite.js";
import { addVirtualAuthenticator, type VirtualAuthenticator } from "./harness/virtual-authenticator.js";

let server: BrowserServer;

type Options = { publicKey: Record<string, unknown> };

/** Signs a new user up from the page and logs them in with an emailed passcode: the page holds the hanko cookie. */
async function signUpInPage(page: Page): Promise<{ userId: string; email: string }> {
  await page.goto(`${server.origin}/.well-known/config`);
  const email = freshEmail();
  const created = await fetchInPage(page, "/users", { body: { email } });
  expect(created.status).toBe(200);
  const { user_id: userId } = created.json as { user_id: string };
  const init = await fetchInPage(page, "/passcode/login/initialize", { body: { user_id: userId } });
  expect(init.status).toBe(200);
  const code = await passcodeFromLog(server, email);
  const final = await fetchInPage(page, "/passcode/login/finalize", { body: { id: (init.json as { id: string }).id, code } });
  expect(final.status).toBe(200);
  return { userId, email };
}

/** Registers a passkey from the page for its signed-in user: its credential id. */
async function registerInPage(page: Page): Promise<string> {
  const init = await fetchInPage(page, "/webauthn/registration/initialize", { method: "POST" });
  expect(init.status).toBe(200);
  const credential = credentialOf(await createInPage(page, (init.json as Options).publicKey));
  expect(await fetchInPage(page, "/webauthn/registration/finalize", { body: credential })).toMatchObject({ status: 200 });
  return credential.id as string;
}

/** A discoverable login from the page: the assertion the browser made. */
async function assertInPage(page: Page): Promise<Record<string, unknown>> {
  const init = await fetchInPage(page, "/webauthn/login/initialize", { body: {} });
  expect(init.status).toBe(200);
  return credentialOf(await getInPage(page, (init.json as Options).publicKey));
}

const finishLogin = (page: Page, assertion: Record<string, unknown>) => fetchInPage(page, "/webauthn/login/finalize", { body: assertion });

/** A passkey user signed out again, with the page's authenticator holding the passkey. */
async function passkeyUser(page: Page): Promise<{ authenticator: VirtualAuthenticator; userId: string }> {
  const authenticator = await addVirtualAuthenticator(page);
  const { userId } = await signUpInPage(page);
  await registerInPage(page);
  await fetchInPage(page, "/logout", { method: "POST" });
  return { authenticator, userId };
}

describeBrowser("Hanko WebAuthn in Chromium with a virtual platform authenticator", (browser) => {
  beforeAll(async () => {
    server = await startBrowserServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it(
    "registers a passkey through the Hanko REST API and signs in with it, discoverable and by user id",
    async () => {
      const { page } = browser;
      const authenticator = await addVirtualAuthenticator(page);
      const { userId } = await signUpInPage(page);

      const init = await fetchInPage(page, "/webauthn/registration/initialize", { method: "POST" });
      expect(init.status).toBe(200);
      const created = { credential: credentialOf(await createInPage(page, (init.json as Options).publicKey)) };
      const final = await fetchInPage(page, "/webauthn/registration/finalize", { body: created.credential });
      expect(final).toMatchObject({ status: 200, json: { credential_id: created.credential.id, user_id: userId } });
      expect(await authenticator.credentials()).toEqual([expect.objectContaining({ isResidentCredential: true, signCount: 1 })]);

      await fetchInPage(page, "/logout", { method: "POST" });
      expect((await fetchInPage(page, "/me")).status).toBe(401);

      const discoverable = await fetchInPage(page, "/webauthn/login/initialize", { body: {} });
      expect((discoverable.json as Options).publicKey).not.toHaveProperty("allowCredentials.0");
      const assertion = credentialOf(await getInPage(page, (discoverable.json as Options).publicKey));
      const login = await fetchInPage(page, "/webauthn/login/finalize", { body: assertion });
      expect(login).toMatchObject({ status: 200, json: { credential_id: created.credential.id, user_id: userId } });
      expect(await fetchInPage(page, "/me")).toMatchObject({ status: 200, json: { id: userId } });

      const byUser = await fetchInPage(page, "/webauthn/login/initialize", { body: { user_id: userId } });
      expect((byUser.json as Options).publicKey).toMatchObject({ allowCredentials: [{ id: created.credential.id }] });
      const second = credentialOf(await getInPage(page, (byUser.json as Options).publicKey));
      expect(await fetchInPage(page, "/webauthn/login/finalize", { body: second })).toMatchObject({ status: 200, json: { user_id: userId } });
      expect(await authenticator.credentials()).toEqual([expect.objectContaining({ signCount: 3 })]);
    },
    browserTestTimeoutMs,
  );

  it(
    "refuses an assertion posted twice: the page stays signed out",
    async () => {
      const { page } = browser;
      const { userId } = await passkeyUser(page);
      const assertion = await assertInPage(page);
      expect(await finishLogin(page, assertion)).toMatchObject({ status: 200, json: { user_id: userId } });
      await fetchInPage(page, "/logout", { method: "POST" });
      const replayed = await finishLogin(page, assertion);
      expect(replayed.status).toBe(401);
      expect(replayed.headers).not.toHaveProperty("x-auth-token");
      expect((await fetchInPage(page, "/me")).status).toBe(401);
    },
    browserTestTimeoutMs,
  );

  // A cloned authenticator: the same private key elsewhere, whose counter is behind the server's.
  it(
    "refuses a passkey reinstalled with a lower sign count, as a clone would sign",
    async () => {
      const { page } = browser;
      const { authenticator } = await passkeyUser(page);
      expect((await finishLogin(page, await assertInPage(page))).status).toBe(200);
      const [original] = await authenticator.credentials();
      expect(original!.signCount).toBeGreaterThanOrEqual(2);
      await authenticator.removeCredential(original!.credentialId);
      await authenticator.addCredential({ ...original!, signCount: 0 });
      await fetchInPage(page, "/logout", { method: "POST" });
      expect((await finishLogin(page, await assertInPage(page))).status).toBe(401);
      expect((await fetchInPage(page, "/me")).status).toBe(401);
    },
    browserTestTimeoutMs,
  );

  // The page of another origin cannot call the API itself (no CORS_ORIGINS): its back end
  // relays the options and the assertion, so only the WebAuthn origin check can refuse.
  it(
    "refuses a passkey login made on a page of an origin not in ORIGIN",
    async () => {
      const { page } = browser;
      const { userId } = await passkeyUser(page);
      const relayedLogin = async () => {
        const init = await rest(server.url, "POST", "/webauthn/login/initialize", { body: {} });
        expect(init.status).toBe(200);
        const assertion = credentialOf(await getInPage(page, (init.json as Options).publicKey));
        return rest(server.url, "POST", "/webauthn/login/finalize", { body: assertion });
      };
      // Relayed the same way from the server's own origin, the login passes.
      expect(await relayedLogin()).toMatchObject({ status: 200, json: { user_id: userId } });
      await openForeignOrigin(page);
      const refused = await relayedLogin();
      expect(refused.status).toBe(401);
      expect(refused.headers).not.toHaveProperty("x-auth-token");
    },
    browserTestTimeoutMs,
  );
});
