import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { freePorts } from "../harness/free-port.js";
import { followToCallback, startOidcIdp, type IdpAccount, type OidcIdp } from "../harness/oidc-idp.js";
import { rest, type RestResponse } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { freshEmail } from "./hanko-client.js";

const app = "https://app.example.test";
const errorUrl = `${app}/login-error`;
let idp: OidcIdp;
let server: TestServer;
let callbackUrl: string;
/** A second server with `HANKO_ALLOW_SIGNUP=false`, at the same provider. */
let closedServer: TestServer;
let closedCallbackUrl: string;

beforeAll(async () => {
  const [port, closedPort] = (await freePorts(2)) as [number, number];
  callbackUrl = `http://127.0.0.1:${port}/thirdparty/callback`;
  closedCallbackUrl = `http://127.0.0.1:${closedPort}/thirdparty/callback`;
  idp = await startOidcIdp([callbackUrl, closedCallbackUrl]);
  const env = (serverPort: number) => ({
    PORT: String(serverPort),
    HANKO_PUBLIC_URL: `http://127.0.0.1:${serverPort}`,
    HANKO_THIRDPARTY_PROVIDERS: JSON.stringify({
      corp: { issuer: idp.issuer, clientId: idp.clientId, secret: idp.clientSecret },
      github: { clientId: "off", secret: "off", enabled: false },
    }),
    HANKO_THIRDPARTY_REDIRECT_URLS: `${app}/done,${app}/spa/*`,
    HANKO_THIRDPARTY_ERROR_URL: errorUrl,
  });
  server = await startTestServer(env(port));
  closedServer = await startTestServer({ ...env(closedPort), HANKO_ALLOW_SIGNUP: "false" });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
  await closedServer?.close();
  await idp?.close();
});

const b64 = (text: string) => Buffer.from(text).toString("base64url");
const account = (overrides: Partial<IdpAccount> = {}): IdpAccount => ({ sub: randomBytes(8).toString("hex"), email: freshEmail(), emailVerified: true, ...overrides });
const location = (response: RestResponse) => new URL(String(response.headers.location));
const stateCookieOf = (response: RestResponse) => /hanko_thirdparty_state=([^;]*)/.exec(String(response.headers["set-cookie"]))?.[1] ?? "";

/** `/thirdparty/auth` over REST, as a browser on the app would call it. */
function auth(provider: string, redirectTo: string, headers: Record<string, string> = {}) {
  return rest(server.url, "GET", `/thirdparty/auth?provider=${provider}&redirect_to=${b64(redirectTo)}`, { headers });
}

/** Auth → provider login → the callback URL the provider sends the browser to, and the state cookie. */
async function loginAtProvider(next: OidcIdp["next"], redirectTo = `${app}/done`) {
  idp.next = next;
  const started = await auth("corp", redirectTo);
  expect(started.status).toBe(307);
  return { callback: await followToCallback(String(started.headers.location), callbackUrl), stateCookie: stateCookieOf(started) };
}

function callback(url: URL, stateCookie: string) {
  return rest(server.url, "GET", `${url.pathname}${url.search}`, { headers: stateCookie === "" ? {} : { cookie: `hanko_thirdparty_state=${stateCookie}` } });
}

function expectErrorRedirect(response: RestResponse, target: string, error: string) {
  expect(response.status).toBe(307);
  const url = location(response);
  expect(`${url.origin}${url.pathname}`).toBe(target);
  expect(url.searchParams.get("error")).toBe(error);
  expect(url.searchParams.get("error_description")).toBeTruthy();
  expect(url.searchParams.has("hanko_token")).toBe(false);
  expect(String(response.headers["set-cookie"] ?? "")).not.toMatch(/hanko=/);
}

/** Exchanges the callback's `hanko_token` over `POST /token` and reads `/me` with the session. */
async function sessionFrom(redirect: RestResponse) {
  // Shows the whole Location (an error redirect says why) when there is no token.
  expect(String(redirect.headers.location)).toMatch(/[?&]hanko_token=[A-Za-z0-9_-]{43}(&|$)/);
  const token = location(redirect).searchParams.get("hanko_token")!;
  const exchanged = await rest(server.url, "POST", "/token", { body: { value: token } });
  expect(exchanged.status).toBe(200);
  const { user_id } = exchanged.json as { user_id: string };
  const sessionToken = String(exchanged.headers["x-auth-token"]);
  expect(exchanged.headers["set-cookie"]).toEqual([`hanko=${sessionToken}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax`.replace("Lax", "Strict")]);
  expect(exchanged.headers["x-session-lifetime"]).toBe("3600");
  const me = await rest(server.url, "GET", "/me", { headers: { authorization: `Bearer ${sessionToken}` } });
  expect(me).toMatchObject({ status: 200, json: { id: user_id } });
  return { userId: user_id, token };
}

describe("Hanko third-party login (OpenID Connect)", () => {
  it("auth redirects to the provider with PKCE S256, state and nonce, and sets the state cookie", async () => {
    const started = await auth("corp", `${app}/done`);
    expect(started.status).toBe(307);
    const url = location(started);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.issuer}/auth`);
    expect(url.searchParams.get("client_id")).toBe(idp.clientId);
    expect(url.searchParams.get("redirect_uri")).toBe(callbackUrl);
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("nonce")).toBeTruthy();
    expect(url.searchParams.get("state")).toBe(stateCookieOf(started));
    expect(started.headers["set-cookie"]).toEqual([`hanko_thirdparty_state=${url.searchParams.get("state")}; Path=/thirdparty; HttpOnly; SameSite=Lax`]);
    // A redirect has nothing to say in its body.
    expect(started.json).toEqual({});
  });

  it("logs a new user in end to end: callback 307 to redirect_to with a one-time token, POST /token, /me", async () => {
    const person = account();
    const { callback: url, stateCookie } = await loginAtProvider({ account: person });
    const redirect = await callback(url, stateCookie);
    expect(redirect.status).toBe(307);
    const target = location(redirect);
    expect(`${target.origin}${target.pathname}`).toBe(`${app}/done`);
    // The callback itself never sets a session: only the one-time token does, once.
    expect(redirect.headers["set-cookie"]).toEqual(["hanko_thirdparty_state=; Path=/thirdparty; Max-Age=0; HttpOnly; SameSite=Lax"]);
    expect(redirect.json).toEqual({});
    const { userId, token } = await sessionFrom(redirect);
    const again = await rest(server.url, "POST", "/token", { body: { value: token } });
    expect(again).toMatchObject({ status: 422, json: { code: 422 } });
    const found = await rest(server.url, "POST", "/user", { body: { email: person.email } });
    expect(found.json).toMatchObject({ id: userId, verified: true });

    // The same provider identity logs into the same user next time.
    const second = await loginAtProvider({ account: person }, `${app}/spa/page?x=1`);
    const secondRedirect = await callback(second.callback, second.stateCookie);
    expect(location(secondRedirect).searchParams.get("x")).toBe("1");
    expect((await sessionFrom(secondRedirect)).userId).toBe(userId);
  });

  // A provider login is a login: the audit trail must show it (issue 17: login succeeded and
  // failed, with the factor), and a locked user's must show the refusal, not a success.
  it("records the login at POST /token as login.succeeded (factor thirdparty), and a locked user's as login.failed (USER_LOCKED)", async () => {
    const db = server.app.database.db;
    const loginsOf = async (userId: string) =>
      (await sql<{ type: string; reason: string; factor: string | null }>`select type, reason, details->>'factor' as factor from audit_events where user_id::text = ${userId} and type like 'login.%' order by sequence`.execute(db)).rows;
    const person = account();
    const first = await loginAtProvider({ account: person });
    const { userId } = await sessionFrom(await callback(first.callback, first.stateCookie));
    expect(await loginsOf(userId)).toEqual([{ type: "login.succeeded", reason: "", factor: "thirdparty" }]);

    await sql`update users set locked_at = now(), lock_reason = 'test' where id::text = ${userId}`.execute(db);
    const second = await loginAtProvider({ account: person });
    const token = location(await callback(second.callback, second.stateCookie)).searchParams.get("hanko_token");
    expect(token).toBeTruthy();
    expect((await rest(server.url, "POST", "/token", { body: { value: token } })).status).toBe(403);
    expect(await loginsOf(userId)).toEqual([
      { type: "login.succeeded", reason: "", factor: "thirdparty" },
      { type: "login.failed", reason: "USER_LOCKED", factor: "thirdparty" },
    ]);
  });

  it("links the provider identity to the existing user with that (provider-verified) email", async () => {
    const email = freshEmail();
    const created = await rest(server.url, "POST", "/users", { body: { email } });
    const { user_id } = created.json as { user_id: string };
    // The user verified the address (a passcode login does this).
    await server.app.database.db.updateTable("emails").set({ verified: true }).where("address", "=", email).execute();
    const { callback: url, stateCookie } = await loginAtProvider({ account: account({ email }) });
    expect((await sessionFrom(await callback(url, stateCookie))).userId).toBe(user_id);
  });

  // Account takeover: an attacker adds the victim's address, unverified, to their own account;
  // the victim's provider login must not land in the attacker's account.
  it("refuses to link a user who holds the address without having verified it", async () => {
    const email = freshEmail();
    await rest(server.url, "POST", "/users", { body: { email } });
    const { callback: url, stateCookie } = await loginAtProvider({ account: account({ email }) });
    expectErrorRedirect(await callback(url, stateCookie), errorUrl, "user_conflict");
    expect((await rest(server.url, "POST", "/user", { body: { email } })).json).toMatchObject({ verified: false });
  });

  // Pre-claimed accounts: a user made from an address nobody verified could be claimed before its owner comes.
  it("refuses to create a user from an address the provider has not verified", async () => {
    const email = freshEmail();
    const { callback: url, stateCookie } = await loginAtProvider({ account: account({ email, emailVerified: false }) });
    expectErrorRedirect(await callback(url, stateCookie), errorUrl, "unverified_provider_email");
    expect((await rest(server.url, "POST", "/user", { body: { email } })).status).toBe(404);
  });

  // Account takeover: an unverified address at the provider must not open someone's account.
  it("refuses to link an existing user by an email the provider has not verified", async () => {
    const email = freshEmail();
    await rest(server.url, "POST", "/users", { body: { email } });
    const { callback: url, stateCookie } = await loginAtProvider({ account: account({ email, emailVerified: false }) });
    expectErrorRedirect(await callback(url, stateCookie), errorUrl, "user_conflict");
  });

  // State forgery: a callback with a state this server never handed out gets nothing.
  it("refuses a forged state", async () => {
    const forged = randomBytes(32).toString("base64url");
    const response = await rest(server.url, "GET", `/thirdparty/callback?code=abc&state=${forged}`, { headers: { cookie: `hanko_thirdparty_state=${forged}` } });
    expectErrorRedirect(response, errorUrl, "invalid_request");
  });

  // Replay: a state (and its code) is good for one callback only.
  it("refuses a replayed state", async () => {
    const { callback: url, stateCookie } = await loginAtProvider({ account: account() });
    expect(location(await callback(url, stateCookie)).searchParams.has("hanko_token")).toBe(true);
    const replayed = await callback(url, stateCookie);
    expectErrorRedirect(replayed, errorUrl, "invalid_request");
    // Refused by the used-up state itself, not only later by the provider's used-up code.
    expect(location(replayed).searchParams.get("error_description")).toBe("the state is unknown, used or expired");
  });

  // Login CSRF: an attacker's callback URL opened in the victim's browser lacks the state cookie.
  it("refuses a callback without the browser's state cookie", async () => {
    const { callback: url } = await loginAtProvider({ account: account() });
    expectErrorRedirect(await callback(url, ""), errorUrl, "invalid_request");
    expectErrorRedirect(await callback(url, randomBytes(32).toString("base64url")), errorUrl, "invalid_request");
  });

  it("redirects a provider error to the error URL with its error and description", async () => {
    const { callback: url, stateCookie } = await loginAtProvider({ error: "access_denied", description: "the user said no" });
    expect(url.searchParams.get("error")).toBe("access_denied");
    const response = await callback(url, stateCookie);
    expectErrorRedirect(response, errorUrl, "access_denied");
    expect(location(response).searchParams.get("error_description")).toBe("the user said no");
  });

  // Open redirect: only configured redirect_to URLs are accepted.
  it("redirects a disallowed redirect_to to the Referer, else to the error URL", async () => {
    const referer = `${app}/login`;
    expectErrorRedirect(await auth("corp", "https://evil.example.test/done", { referer }), referer, "invalid_request");
    // A Referer on another site is no place to send anyone: the error URL instead.
    expectErrorRedirect(await auth("corp", "https://evil.example.test/done", { referer: "https://evil.example.test/phish" }), errorUrl, "invalid_request");
    expectErrorRedirect(await auth("corp", `${app}/done/more`), errorUrl, "invalid_request");
    expectErrorRedirect(await auth("corp", "https://app.example.test.evil.test/spa/x"), errorUrl, "invalid_request");
    expectErrorRedirect(await rest(server.url, "GET", "/thirdparty/auth?provider=corp&redirect_to=***"), errorUrl, "invalid_request");
  });

  it("creates no user when sign-up is off (HANKO_ALLOW_SIGNUP=false)", async () => {
    idp.next = { account: account() };
    const started = await rest(closedServer.url, "GET", `/thirdparty/auth?provider=corp&redirect_to=${b64(`${app}/done`)}`);
    const url = await followToCallback(String(started.headers.location), closedCallbackUrl);
    const refused = await rest(closedServer.url, "GET", `${url.pathname}${url.search}`, { headers: { cookie: `hanko_thirdparty_state=${stateCookieOf(started)}` } });
    expectErrorRedirect(refused, errorUrl, "signup_disabled");
  });

  it("redirects an unknown or disabled provider with error details", async () => {
    for (const provider of ["nope", "github", "google"]) {
      const response = await auth(provider, `${app}/done`);
      expectErrorRedirect(response, errorUrl, "invalid_request");
      expect(location(response).searchParams.get("error_description")).toContain(provider);
    }
  });
});

describe("the embedded default: third-party login and SAML off", () => {
  let plain: TestServer;
  beforeAll(async () => {
    plain = await startTestServer();
  });
  afterAll(async () => {
    await plain?.close();
  });

  it("redirects /thirdparty/auth and /thirdparty/callback with error details, as Hanko does for a disabled provider", async () => {
    const started = await rest(plain.url, "GET", `/thirdparty/auth?provider=google&redirect_to=${b64(`${app}/done`)}`);
    expect(started.status).toBe(307);
    expect(location(started).searchParams.get("error")).toBe("invalid_request");
    const finished = await rest(plain.url, "GET", "/thirdparty/callback?code=x&state=y");
    expect(finished.status).toBe(307);
    expect(location(finished).searchParams.get("error")).toBe("invalid_request");
  });

  it("answers 404 on every SAML route, as Hanko does with SAML off", async () => {
    for (const path of ["/saml/provider?domain=corp.example", "/saml/metadata?domain=corp.example&cert_only=true", `/saml/auth?domain=corp.example&redirect_to=${b64(`${app}/done`)}`]) {
      expect(await rest(plain.url, "GET", path)).toMatchObject({ status: 404, json: { code: 404, message: "Not Found" } });
    }
    const callback = await rest(plain.url, "POST", "/saml/callback", { rawBody: "RelayState=x&SAMLResponse=y", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(callback).toMatchObject({ status: 404, json: { code: 404 } });
  });
});

describe.each(rpcTransports)("Hanko third-party login over %s", (transport) => {
  const call = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, SessionService, SessionServiceService, method, input);
  /** The output of a call that must succeed. */
  const output = async <T>(method: string, input: Record<string, unknown>): Promise<T> => {
    const result = await call(method, input);
    if (!result.ok) throw new Error(`${method} failed: ${result.reason ?? ""} ${result.message}`);
    return result.output as T;
  };

  it("runs auth, callback and the token exchange as RPCs", async () => {
    idp.next = { account: account() };
    const started = await output<{ location: string; status: number; state_cookie: string }>("ThirdPartyAuth", { provider: "corp", redirectTo: b64(`${app}/done`) });
    expect(started.status).toBe(307);
    const url = await followToCallback(started.location, callbackUrl);
    const finished = await output<{ location: string; status: number }>("ThirdPartyCallback", {
      code: url.searchParams.get("code"),
      state: url.searchParams.get("state"),
      iss: url.searchParams.get("iss") ?? "",
      stateCookie: started.state_cookie,
    });
    expect(finished.status).toBe(307);
    const token = new URL(finished.location).searchParams.get("hanko_token");
    const exchanged = await call("ExchangeToken", { value: token });
    expect(exchanged).toMatchObject({ ok: true, output: { user_id: expect.stringMatching(/^[0-9a-f-]{36}$/), session_lifetime: 3600 } });
    // The login is in the trail, with its factor, whatever the transport.
    const userId = String((exchanged.ok ? exchanged.output : {}).user_id);
    const events = await sql<{ type: string; factor: string | null }>`select type, details->>'factor' as factor from audit_events where user_id::text = ${userId} and type like 'login.%'`.execute(server.app.database.db);
    expect(events.rows).toEqual([{ type: "login.succeeded", factor: "thirdparty" }]);
  });

  it("answers a forged state with an error location", async () => {
    const forged = randomBytes(32).toString("base64url");
    const finished = await output<{ location: string }>("ThirdPartyCallback", { code: "x", state: forged, stateCookie: forged });
    const url = new URL(finished.location);
    expect(url.searchParams.get("error")).toBe("invalid_request");
  });
});
