import { afterAll, beforeAll, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { signUpAndLogIn } from "../hanko/hanko-client.js";
import { startBrowserServer, type BrowserServer } from "./harness/browser-server.js";
import { openForeignOrigin } from "./harness/foreign-origin.js";
import { browserTestTimeoutMs, describeBrowser } from "./harness/suite.js";

// Cross-site request forgery from a sibling site: a page on http://localhost:<another port> is
// same-site with Tessera's http://localhost:<port> (a site is scheme and host, not the port), so
// Chromium sends the SameSite=Strict hanko cookie with its form post. Its origin is in neither
// CORS_ORIGINS nor ORIGIN: CORS hides the answer from it, but the post used to add the address
// all the same. It is refused (403) before the handler, and the address is not added.

let server: BrowserServer;

describeBrowser("a form post from a same-site page of a refused origin", (browser) => {
  beforeAll(async () => {
    server = await startBrowserServer({ CORS_ORIGINS: "https://app.example.test" });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it.each([
    // The fields of a urlencoded form once bound to the request; a text/plain form carries a JSON text.
    ["application/x-www-form-urlencoded", (address: string) => `<input name="address" value="${address}">`],
    ["text/plain", (address: string) => `<input name='{"address":"${address}","padding":"' value='"}'>`],
  ] as const)(
    "as %s, with the user's hanko cookie, is refused 403 and adds no address",
    async (enctype, fields) => {
      const { page, context } = browser;
      const user = await signUpAndLogIn(server);
      await context.addCookies([{ name: "hanko", value: user.token, url: server.origin, httpOnly: true, sameSite: "Strict" }]);
      const address = `forged-${Date.now()}@example.com`;
      await openForeignOrigin(page);
      const form = `<form id="forged" method="post" action="${server.origin}/emails" enctype="${enctype}">${fields(address)}</form>`;
      const answered = page.waitForResponse((response) => response.url() === `${server.origin}/emails`);
      await page.evaluate((html) => {
        document.body.insertAdjacentHTML("beforeend", html);
        (document.getElementById("forged") as HTMLFormElement).submit();
      }, form);
      const answer = await answered;
      // The cookie went with the post (so only the origin check stood in the way).
      expect(await answer.request().headerValue("cookie")).toContain("hanko=");
      expect(answer.status()).toBe(403);
      const emails = await rest(server.url, "GET", "/emails", { headers: user.bearer });
      expect(emails.status).toBe(200);
      expect((emails.json as { address: string }[]).map((email) => email.address)).toEqual([user.email]);
    },
    browserTestTimeoutMs,
  );
});
