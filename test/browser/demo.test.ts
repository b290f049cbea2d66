import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startBrowserServer, type BrowserServer } from "./harness/browser-server.js";
import { mailedCode } from "./harness/mail-codes.js";
import { describeBrowser, browserTestTimeoutMs } from "./harness/suite.js";
import { addVirtualAuthenticator } from "./harness/virtual-authenticator.js";

let server: BrowserServer;
let sink: SmtpSink;
let counter = 0;
const freshEmail = () => `demo${++counter}-${process.pid}-${Date.now()}@example.com`;

/** Opens the demo and signs a new user up and in with an emailed passcode, as a visitor would. */
async function signUpWithPasscode(page: Page): Promise<string> {
  const email = freshEmail();
  await page.goto(`${server.origin}/demo/`);
  await expect.poll(() => page.getByTestId("status").textContent()).toBe("Signed out");
  await page.getByLabel("Email address", { exact: true }).first().fill(email);
  await page.getByRole("button", { name: "Email me a passcode" }).click();
  await page.getByLabel("Passcode").fill(await mailedCode(sink, email));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect.poll(() => page.getByTestId("status").textContent()).toBe(`Signed in as ${email}`);
  return email;
}

/**
 * The calls the page makes to Tessera from now on, besides loading the demo: `/package.Service/Method`
 * over Connect, `METHOD /path` over REST.
 */
function recordCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin !== server.origin || url.pathname.startsWith("/demo/") || url.pathname === "/favicon.ico") return;
    calls.push(url.pathname.startsWith("/tessera.") ? url.pathname : `${request.method()} ${url.pathname}`);
  });
  return calls;
}

/** The only Hanko calls the demo makes over REST: the ones that set or clear the HttpOnly cookie. */
const cookieCalls = ["POST /passcode/login/finalize", "POST /webauthn/login/finalize", "POST /logout"];
const restCalls = (calls: string[]) => [...new Set(calls.filter((call) => !call.startsWith("/tessera.")))].sort();
const connectCalls = (calls: string[]) => [...new Set(calls.filter((call) => call.startsWith("/tessera.")))].sort();

const passkeyNames = (page: Page) => page.getByTestId("passkey").locator("input").evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));

describeBrowser("the demo web app at /demo/, clicked through in Chromium", (browser) => {
  beforeAll(async () => {
    sink = await startSmtpSink();
    server = await startBrowserServer({ SMTP_URL: sink.url, DEMO_ENABLED: "true" });
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  it(
    "signs up with an emailed passcode, adds, renames and uses a passkey (discoverable and by email), and logs out",
    async () => {
      const { page } = browser;
      const calls = recordCalls(page);
      await addVirtualAuthenticator(page);
      const email = await signUpWithPasscode(page);
      await expect.poll(() => page.getByTestId("passkeys").textContent()).toBe("No passkey yet");

      await page.getByRole("button", { name: "Add a passkey" }).click();
      await expect.poll(() => page.getByTestId("passkey").count()).toBe(1);
      await page.getByLabel("Passkey name").fill("Work laptop");
      await page.getByRole("button", { name: "Rename" }).click();
      await page.reload();
      await expect.poll(() => passkeyNames(page)).toEqual(["Work laptop"]);
      expect(await page.getByTestId("session-email").textContent()).toBe(email);

      await page.getByRole("button", { name: "Log out" }).click();
      await expect.poll(() => page.getByTestId("status").textContent()).toBe("Signed out");
      await page.reload();
      await expect.poll(() => page.getByTestId("status").textContent()).toBe("Signed out");

      await page.getByRole("button", { name: "Sign in with a passkey" }).click();
      await expect.poll(() => page.getByTestId("status").textContent()).toBe(`Signed in as ${email}`);
      if (process.env.UPDATE_DEMO_SCREENSHOT === "1") {
        // The README's picture: regenerated on request only, so a test run leaves the tree clean.
        mkdirSync(join(import.meta.dirname, "..", "..", "docs"), { recursive: true });
        await page.setViewportSize({ width: 1100, height: 760 });
        await page.screenshot({ path: join(import.meta.dirname, "..", "..", "docs", "demo.png") });
      }
      await page.getByRole("button", { name: "Log out" }).click();
      await expect.poll(() => page.getByTestId("status").textContent()).toBe("Signed out");

      await page.getByLabel("Email address", { exact: true }).first().fill(email);
      await page.getByRole("button", { name: "Passkey for this email" }).click();
      await expect.poll(() => page.getByTestId("status").textContent()).toBe(`Signed in as ${email}`);
      expect(await page.getByTestId("error").isHidden()).toBe(true);

      // Every Hanko call @tessera/client offers went through it; REST only where the cookie is set or cleared.
      expect(restCalls(calls)).toEqual([...cookieCalls].sort());
      expect(connectCalls(calls)).toEqual([
        "/tessera.identity.v1.IdentityService/CreateUser",
        "/tessera.identity.v1.IdentityService/FindUserByEmail",
        "/tessera.identity.v1.IdentityService/GetCurrentUser",
        "/tessera.identity.v1.IdentityService/GetUser",
        "/tessera.verify.v1.VerifyService/InitializePasscodeLogin",
        "/tessera.webauthn.v1.WebAuthnService/FinalizeRegistration",
        "/tessera.webauthn.v1.WebAuthnService/InitializeLogin",
        "/tessera.webauthn.v1.WebAuthnService/InitializeRegistration",
        "/tessera.webauthn.v1.WebAuthnService/ListCredentials",
        "/tessera.webauthn.v1.WebAuthnService/UpdateCredential",
      ]);
    },
    browserTestTimeoutMs,
  );

  // A deleted passkey must stop working at once, even though the device still holds it.
  it(
    "deletes a passkey, then says in words that the passkey still on the device is not accepted",
    async () => {
      const { page } = browser;
      const calls = recordCalls(page);
      const authenticator = await addVirtualAuthenticator(page);
      await signUpWithPasscode(page);
      await page.getByRole("button", { name: "Add a passkey" }).click();
      await expect.poll(() => page.getByTestId("passkey").count()).toBe(1);
      await page.getByRole("button", { name: "Delete" }).click();
      await expect.poll(() => page.getByTestId("passkeys").textContent()).toBe("No passkey yet");
      expect(await authenticator.credentials()).toHaveLength(1);

      await page.getByRole("button", { name: "Log out" }).click();
      await page.getByRole("button", { name: "Sign in with a passkey" }).click();
      await expect.poll(() => page.getByTestId("error").textContent()).toBe("This passkey was not accepted: it may have been removed from your account, or copied from another device.");
      expect(await page.getByTestId("status").textContent()).toBe("Signed out");
      expect(connectCalls(calls)).toContain("/tessera.webauthn.v1.WebAuthnService/DeleteCredential");
      expect(restCalls(calls)).toEqual([...cookieCalls].sort());
    },
    browserTestTimeoutMs,
  );

  it(
    "says a wrong passcode in words and signs in with the right one",
    async () => {
      const { page } = browser;
      const email = freshEmail();
      await page.goto(`${server.origin}/demo/`);
      await page.getByLabel("Email address", { exact: true }).first().fill(email);
      await page.getByRole("button", { name: "Email me a passcode" }).click();
      const code = await mailedCode(sink, email);
      await page.getByLabel("Passcode").fill(code === "000000" ? "111111" : "000000");
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect.poll(() => page.getByTestId("error").textContent()).toBe("That passcode is wrong: check the email and type it again.");
      await page.getByLabel("Passcode").fill(code);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await expect.poll(() => page.getByTestId("status").textContent()).toBe(`Signed in as ${email}`);
      expect(await page.getByTestId("error").isHidden()).toBe(true);
    },
    browserTestTimeoutMs,
  );

  it(
    "runs the Authenticator API over Connect: sign-up with password and code, a device added, then a login with password and the device",
    async () => {
      const { page } = browser;
      // The Authenticator API asks for a cross-platform authenticator (a security key): an
      // internal one would never be offered to it.
      await addVirtualAuthenticator(page, { transport: "usb", hasResidentKey: false });
      const email = freshEmail();
      await page.goto(`${server.origin}/demo/`);
      const card = page.getByTestId("authenticator");
      await card.getByLabel("Email address").fill(email);
      await card.getByLabel("Password").fill("correct horse battery");
      await card.getByRole("button", { name: "Sign up" }).click();
      await expect.poll(() => page.getByTestId("auth-state").textContent()).toBe("Token state: unverified");
      await card.getByLabel("Code from the email").fill(await mailedCode(sink, email, 0));
      await card.getByRole("button", { name: "Verify code" }).click();
      await expect.poll(() => page.getByTestId("auth-state").textContent()).toBe("Token state: authorized");
      await card.getByRole("button", { name: "Add a device" }).click();
      await expect.poll(() => page.getByTestId("auth-state").textContent()).toBe("Token state: authorized · device added");

      await card.getByRole("button", { name: "Log in" }).click();
      await expect.poll(() => page.getByTestId("auth-state").textContent()).toBe("Token state: identified");
      await card.getByRole("button", { name: "Use my device instead" }).click();
      await expect.poll(() => page.getByTestId("auth-state").textContent()).toBe("Token state: authorized");
      expect(await page.getByTestId("error").isHidden()).toBe(true);
    },
    browserTestTimeoutMs,
  );

  it(
    "says a wrong Authenticator password in words, from the reason the Connect error carries",
    async () => {
      const { page } = browser;
      await page.goto(`${server.origin}/demo/`);
      const card = page.getByTestId("authenticator");
      await card.getByLabel("Email address").fill(freshEmail());
      await card.getByLabel("Password").fill("not the password at all");
      await card.getByRole("button", { name: "Log in" }).click();
      await expect.poll(() => page.getByTestId("error").textContent()).toBe("That email address and password do not match an account.");
    },
    browserTestTimeoutMs,
  );
});
