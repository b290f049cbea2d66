import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { passcodeFromLog, freshEmail } from "../hanko/hanko-client.js";
import { startBrowserServer, type BrowserServer } from "./harness/browser-server.js";
import { createInPage, credentialOf, fetchInPage, getInPage } from "./harness/page-webauthn.js";
import { describeBrowser, browserTestTimeoutMs } from "./harness/suite.js";
import { addVirtualAuthenticator } from "./harness/virtual-authenticator.js";

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
});
