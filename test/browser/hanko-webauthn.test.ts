import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { passcodeFromLog, freshEmail } from "../hanko/hanko-client.js";
import { startBrowserServer, type BrowserServer } from "./harness/browser-server.js";
import { servePage, type PageSite } from "./harness/client-page.js";
import { openForeignOrigin } from "./harness/foreign-origin.js";
import { createInPage, credentialOf, fetchInPage, getInPage, type PageResponse } from "./harness/page-webauthn.js";
import { describeBrowser, browserTestTimeoutMs } from "./harness/suite.js";
import { addVirtualAuthenticator, type VirtualAuthenticator } from "./harness/virtual-authenticator.js";

let server: BrowserServer;
/** A second site on localhost (another port): its origin is in CORS_ORIGINS, not in ORIGIN. */
let site: PageSite;

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
    site = await servePage("");
    server = await startBrowserServer({ CORS_ORIGINS: site.origin("localhost") });
  });
  afterAll(async () => {
    await server?.close();
    await site?.close();
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

  // What the browser sees of each refusal: the page made the ceremony and posts its result; the
  // answer is Hanko's {code, message} with 401, no session token, and the page stays signed out.
  const refusals: { name: string; refusedLogin: (page: Page) => Promise<PageResponse> }[] = [
    {
      // A real second site (its own server) on another origin of the RP ID's host: CORS_ORIGINS
      // lets its page call the API with cookies, so the browser runs the ceremony and only the
      // WebAuthn origin check (ORIGIN) can refuse it.
      name: "an assertion made on a page of an origin in CORS_ORIGINS but not in ORIGIN",
      async refusedLogin(page) {
        await passkeyUser(page);
        await page.goto(site.origin("localhost"));
        const api = (path: string) => `${server.origin}${path}`;
        const init = await fetchInPage(page, api("/webauthn/login/initialize"), { body: {} });
        expect(init.status).toBe(200);
        const assertion = credentialOf(await getInPage(page, (init.json as Options).publicKey));
        return fetchInPage(page, api("/webauthn/login/finalize"), { body: assertion });
      },
    },
    {
      name: "an assertion posted a second time (a replay)",
      async refusedLogin(page) {
        const { userId } = await passkeyUser(page);
        const assertion = await assertInPage(page);
        expect(await finishLogin(page, assertion)).toMatchObject({ status: 200, json: { user_id: userId } });
        await fetchInPage(page, "/logout", { method: "POST" });
        return finishLogin(page, assertion);
      },
    },
    {
      // The authenticator still holds the passkey; the server no longer does.
      name: "a passkey the user deleted",
      async refusedLogin(page) {
        await addVirtualAuthenticator(page);
        await signUpInPage(page);
        const credentialId = await registerInPage(page);
        expect((await fetchInPage(page, `/webauthn/credentials/${credentialId}`, { method: "DELETE" })).status).toBeLessThan(300);
        expect(await fetchInPage(page, "/webauthn/credentials")).toMatchObject({ status: 200, json: [] });
        await fetchInPage(page, "/logout", { method: "POST" });
        return finishLogin(page, await assertInPage(page));
      },
    },
    {
      // A cloned authenticator: the same private key elsewhere, whose counter is behind the server's.
      name: "a passkey reinstalled with a lower sign count, as a clone would sign",
      async refusedLogin(page) {
        const { authenticator } = await passkeyUser(page);
        expect((await finishLogin(page, await assertInPage(page))).status).toBe(200);
        const [original] = await authenticator.credentials();
        expect(original!.signCount).toBeGreaterThanOrEqual(2);
        await authenticator.removeCredential(original!.credentialId);
        await authenticator.addCredential({ ...original!, signCount: 0 });
        await fetchInPage(page, "/logout", { method: "POST" });
        return finishLogin(page, await assertInPage(page));
      },
    },
  ];

  it.each(refusals.map((refusal) => [refusal.name, refusal] as const))(
    "refuses %s: the page sees Hanko's 401 {code, message} and stays signed out",
    async (_name, { refusedLogin }) => {
      const { page } = browser;
      const refused = await refusedLogin(page);
      expect(refused).toMatchObject({ status: 401, json: { code: 401, message: expect.any(String) } });
      expect(Object.keys(refused.json as object).sort()).toEqual(["code", "message"]);
      expect(refused.headers).not.toHaveProperty("x-auth-token");
      expect((await fetchInPage(page, `${server.origin}/me`)).status).toBe(401);
    },
    browserTestTimeoutMs,
  );

  // Cross-site request forgery from a sibling site: a page on http://localhost:<another port> is
  // same-site with Tessera's http://localhost:<port> (a site is scheme and host, not the port),
  // so Chromium sends the SameSite=Strict hanko cookie with its form post. Its origin is in
  // neither CORS_ORIGINS nor ORIGIN: CORS hides the answer from it, but the post used to add the
  // address all the same. It is refused 403 before the handler, and no address is added.
  it.each([
    // The fields of a urlencoded form were once bound to the request; a text/plain form carries a JSON text.
    ["application/x-www-form-urlencoded", (address: string) => `<input name="address" value="${address}">`],
    ["text/plain", (address: string) => `<input name='{"address":"${address}","padding":"' value='"}'>`],
  ] as const)(
    "refuses a form post (%s) to /emails from a same-site page of a refused origin, sent with the hanko cookie, and adds no address",
    async (enctype, fields) => {
      const { page } = browser;
      const { email } = await signUpInPage(page);
      const address = `forged-${Date.now()}@example.com`;
      await openForeignOrigin(page);
      const form = `<form id="forged" method="post" action="${server.origin}/emails" enctype="${enctype}">${fields(address)}</form>`;
      const answered = page.waitForResponse((response) => response.url() === `${server.origin}/emails`);
      await page.evaluate((html) => {
        document.body.insertAdjacentHTML("beforeend", html);
        (document.getElementById("forged") as HTMLFormElement).submit();
      }, form);
      const answer = await answered;
      // The cookie went with the post: only the origin check stood in the way.
      expect(await answer.request().headerValue("cookie")).toContain("hanko=");
      expect(answer.status()).toBe(403);
      await page.waitForURL(`${server.origin}/emails`);
      const emails = await fetchInPage(page, `${server.origin}/emails`);
      expect(emails.status).toBe(200);
      expect((emails.json as { address: string }[]).map((entry) => entry.address)).toEqual([email]);
    },
    browserTestTimeoutMs,
  );
});
