import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { maxBodyBytes } from "../../src/transport/read-body.js";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startBrowserServer, type BrowserServer } from "./harness/browser-server.js";
import { bundleClientPage, servePage, type PageSite } from "./harness/client-page.js";
import { mailedCode } from "./harness/mail-codes.js";
import { describeBrowser, browserTestTimeoutMs } from "./harness/suite.js";

// connect-web in Chromium through the compiled @tessera/client (packages/client/browser-test/page.ts,
// bundled with esbuild), from a page on another origin than Tessera's: http://localhost:<site>
// is in CORS_ORIGINS (same site as Tessera's http://localhost:<api>, so its SameSite cookies
// travel), http://127.0.0.1:<site> is not.

const protocols = ["connect-json", "connect-binary", "grpc-web"] as const;
type Protocol = (typeof protocols)[number];

/** What packages/client/browser-test/page.ts answers (its types are not imported: the root typecheck cannot resolve @tessera/client). */
interface Failure {
  code: string;
  reason: string | undefined;
  reasonText: string | undefined;
  message: string;
  metadata: Record<string, string>;
  network: boolean;
  requestId: string | undefined;
}
type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };
interface Held {
  token: string;
  clientId: string;
}

let server: BrowserServer;
let site: PageSite;
let sink: SmtpSink;
let counter = 0;
const freshEmail = () => `web${++counter}-${process.pid}-${Date.now()}@example.com`;
const minPasswordLength = 10;

async function openPage(page: Page, host: string): Promise<void> {
  await page.goto(site.pageUrl(host, server.origin));
  await page.waitForFunction(() => document.body.dataset.ready === "true");
}

/** Calls `window.tesseraPage[name](...args)` in the page. */
function inPage<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([name, args]) => (window as unknown as { tesseraPage: Record<string, (...args: unknown[]) => Promise<unknown>> }).tesseraPage[name]!(...args),
    [name, args] as const,
  ) as Promise<T>;
}

function value<T>(outcome: Outcome<T>): T {
  expect(outcome, "the call succeeded").toMatchObject({ ok: true });
  return (outcome as { value: T }).value;
}

function failure(outcome: Outcome<unknown>): Failure {
  expect(outcome, "the call failed").toMatchObject({ ok: false });
  return (outcome as { failure: Failure }).failure;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** The server's request log line of `requestId`. */
function requestLine(requestId: string): Record<string, unknown> | undefined {
  return server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.message === "request" && line.requestId === requestId);
}

async function restJson(path: string): Promise<unknown> {
  const response = await fetch(`${server.url}${path}`);
  expect(response.status).toBe(200);
  return response.json();
}

describeBrowser("connect-web through @tessera/client in Chromium, cross-origin", (browser) => {
  beforeAll(async () => {
    const script = await bundleClientPage();
    site = await servePage(script);
    sink = await startSmtpSink();
    server = await startBrowserServer({
      SMTP_URL: sink.url,
      CORS_ORIGINS: site.origin("localhost"),
      HANKO_PASSWORDS_ENABLED: "true",
      HANKO_PASSWORD_MIN_LENGTH: String(minPasswordLength),
    });
  }, 90_000);
  afterAll(async () => {
    await server?.close();
    await sink?.close();
    await site?.close();
  });

  for (const protocol of protocols) {
    it(
      `${protocol}: GetJwks and GetConfig answer what the REST documents say, also with the app's own X-Request-Id and traceparent`,
      async () => {
        const { page } = browser;
        await openPage(page, "localhost");
        const jwks = (await restJson("/.well-known/jwks.json")) as { keys: { kid: string; kty: string; alg: string }[] };
        expect(jwks.keys.length).toBeGreaterThan(0);
        expect(value(await inPage<Outcome<unknown>>(page, "getJwks", protocol))).toEqual(jwks.keys.map(({ kid, kty, alg }) => ({ kid, kty, alg })));
        // The preflight allows an app's own X-Request-Id and trace context: the server's log line carries the id.
        const requestId = `web-${protocol}-${process.pid}-${Date.now()}`;
        const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        expect(value(await inPage<Outcome<number>>(page, "getJwksCorrelated", protocol, requestId, traceparent))).toBe(jwks.keys.length);
        await expect.poll(() => requestLine(requestId)).toMatchObject({ route: "tessera.session.v1.SessionService/GetJwks", status: 200 });
        const config = (await restJson("/.well-known/config")) as { emails: { require_verification: boolean } };
        expect(value(await inPage<Outcome<unknown>>(page, "getConfig", protocol))).toEqual({
          passwordEnabled: true,
          minPasswordLength,
          requireVerification: config.emails.require_verification,
        });
      },
      browserTestTimeoutMs,
    );

    it(
      `${protocol}: CreateUser, a taken email refused with its reason, and the hanko cookie of a cross-origin login sent with the calls`,
      async () => {
        const { page, context } = browser;
        await openPage(page, "localhost");
        const email = freshEmail();
        const created = value(await inPage<Outcome<{ userId: string; emailId: string }>>(page, "createUser", protocol, email));
        expect(created.userId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        const taken = failure(await inPage<Outcome<unknown>>(page, "createUser", protocol, email));
        expect(taken).toMatchObject({ code: "AlreadyExists", reason: "EMAIL_TAKEN", network: false });
        // The X-Request-Id the page could read (exposed by CORS) names the server's log line of the call.
        expect(taken.requestId).toMatch(/\S/);
        await expect.poll(() => requestLine(taken.requestId!)).toMatchObject({ route: "tessera.identity.v1.IdentityService/CreateUser", reason: "EMAIL_TAKEN" });

        // No session yet: the error says so in a reason the app can switch on.
        expect(failure(await inPage<Outcome<unknown>>(page, "currentUser", protocol))).toMatchObject({ code: "Unauthenticated", reason: "UNAUTHENTICATED", network: false });

        const started = await inPage<{ status: number; json: { id: string } }>(page, "startPasscode", created.userId);
        expect(started.status).toBe(200);
        const finished = await inPage<{ status: number }>(page, "finishPasscode", started.json.id, await mailedCode(sink, email));
        expect(finished.status).toBe(200);
        expect((await context.cookies(server.origin)).map((cookie) => cookie.name)).toContain("hanko");

        // The page never sees the HttpOnly cookie: credentials "include" sends it.
        expect(value(await inPage<Outcome<string>>(page, "currentUser", protocol))).toBe(created.userId);
      },
      browserTestTimeoutMs,
    );

    it(
      `${protocol}: a message refused before any handler ran (over the body limit) reaches the page with its reason`,
      async () => {
        const { page } = browser;
        await openPage(page, "localhost");
        const oversize = `${"x".repeat(maxBodyBytes)}@example.com`;
        const refused = failure(await inPage<Outcome<unknown>>(page, "createUser", protocol, oversize));
        expect(refused).toMatchObject({ code: "ResourceExhausted", reason: "BODY_TOO_LARGE", network: false });
        expect(refused.requestId).toMatch(/\S/);
      },
      browserTestTimeoutMs,
    );

    it(
      `${protocol}: an Authenticator sign-up is verified with the token's client id in x-client-id, and refused without it`,
      async () => {
        const { page } = browser;
        await openPage(page, "localhost");
        const email = freshEmail();
        const held = value(await inPage<Outcome<Held>>(page, "signUp", protocol, email, "correct horse battery"));
        expect(claimsOf(held.token).state).toBe("unverified");
        expect(held.clientId).not.toBe("");
        const code = await mailedCode(sink, email);

        expect(failure(await inPage<Outcome<unknown>>(page, "verifySignUp", protocol, held, code, false))).toMatchObject({ code: "Unauthenticated", reason: "INVALID_TOKEN", network: false });

        const authorized = value(await inPage<Outcome<Held>>(page, "verifySignUp", protocol, held, code, true));
        expect(claimsOf(authorized.token).state).toBe("authorized");
        expect(value(await inPage<Outcome<{ userId: string; state: string }>>(page, "verifyToken", protocol, authorized))).toEqual({
          userId: claimsOf(authorized.token).user_id,
          state: "authorized",
        });
      },
      browserTestTimeoutMs,
    );
  }

  it(
    "a page from an origin not in CORS_ORIGINS sees a network error over every protocol, and the server logs the origin it refused",
    async () => {
      const { page } = browser;
      await openPage(page, "127.0.0.1");
      const refusedOrigin = site.origin("127.0.0.1");
      const before = server.logs.length;
      for (const protocol of protocols) {
        expect(failure(await inPage<Outcome<unknown>>(page, "getJwks", protocol)), protocol).toMatchObject({ code: "Unknown", reason: undefined, network: true });
      }
      const refusals = server.logs
        .slice(before)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.message === "cors origin refused");
      // One refused preflight per call (the browser sends no call after it), logged once: an
      // origin's refusals are logged at most once a minute.
      expect(refusals).toEqual([expect.objectContaining({ level: "warn", origin: refusedOrigin, path: "/tessera.session.v1.SessionService/GetJwks", preflight: true })]);
    },
    browserTestTimeoutMs,
  );
});
