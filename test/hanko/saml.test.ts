import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { rest, type RestResponse } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startSamlIdp, type ResponseOptions, type SamlIdp } from "../harness/saml-idp.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { makeTestCertificate } from "../harness/test-certificate.js";
import { freshEmail } from "./hanko-client.js";

/** A fresh address at `domain` (an IdP vouches only for its own domain). */
const emailAt = (domain = "corp.example") => freshEmail().replace(/@.*$/, `@${domain}`);

const app = "https://app.example.test";
const errorUrl = `${app}/saml-error`;
const publicUrl = "https://auth.example.test";
const acsUrl = `${publicUrl}/saml/callback`;
const entityId = `${publicUrl}/saml/metadata`;
const sp = makeTestCertificate("sp.test");
let idp: SamlIdp;
let server: TestServer;

beforeAll(async () => {
  idp = await startSamlIdp();
  server = await startTestServer({
    HANKO_PUBLIC_URL: publicUrl,
    HANKO_SAML_PROVIDERS: JSON.stringify([
      { domain: "corp.example", name: "Corp", metadataUrl: idp.metadataUrl, attributeMap: { email: "mail", email_verified: "email_verified", name: "displayName" } },
      { domain: "off.example", metadataXml: idp.metadataXml, enabled: false },
      { domain: "trusted.example", metadataXml: idp.metadataXml, skipEmailVerification: true, attributeMap: { email: "mail", email_verified: "email_verified" } },
    ]),
    HANKO_SAML_SP_KEY: sp.privateKey.replace(/\n/g, "\\n"),
    HANKO_SAML_SP_CERT: sp.certificate,
    HANKO_SAML_REDIRECT_URLS: `${app}/*`,
    HANKO_SAML_DEFAULT_REDIRECT_URL: errorUrl,
  });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
  await idp?.close();
});

const b64 = (text: string) => Buffer.from(text).toString("base64url");
const location = (response: RestResponse) => new URL(String(response.headers.location));

/** `/saml/auth` for corp.example, and the AuthnRequest the IdP receives. */
async function startLogin(redirectTo = `${app}/done`, domain = "corp.example") {
  const response = await rest(server.url, "GET", `/saml/auth?domain=${domain}&redirect_to=${b64(redirectTo)}`);
  expect(response.status).toBe(307);
  return { response, request: idp.readAuthnRequest(String(response.headers.location), sp.certificate) };
}

/** The IdP's form post, from the browser that began the login (its `hanko_saml_state` cookie) unless `stateCookie` says otherwise. */
function post(relayState: string, samlResponse: string, stateCookie = relayState) {
  const body = new URLSearchParams({ RelayState: relayState, SAMLResponse: samlResponse }).toString();
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (stateCookie !== "") headers.cookie = `hanko_saml_state=${stateCookie}`;
  return rest(server.url, "POST", "/saml/callback", { rawBody: body, headers });
}

/** A response answering `request` as the IdP would, with `overrides`. */
function answer(request: { id: string }, overrides: Partial<ResponseOptions> = {}) {
  return idp.buildResponse({ inResponseTo: request.id, audience: entityId, recipient: acsUrl, email: emailAt(), ...overrides });
}

/** Why the server says it refused the newest SAML login (description and cause, from its log). */
function lastRefusal(): string {
  const line = [...server.logs].reverse().find((entry) => entry.includes('"SAML login refused"'));
  const { description, cause } = JSON.parse(line ?? "{}") as { description?: string; cause?: string };
  return `${description ?? ""}: ${cause ?? ""}`;
}

function expectErrorRedirect(response: RestResponse, error = "invalid_request") {
  expect(response.status).toBe(307);
  const url = location(response);
  expect(`${url.origin}${url.pathname}`).toBe(errorUrl);
  expect(url.searchParams.get("error")).toBe(error);
  expect(url.searchParams.get("error_description")).toBeTruthy();
  expect(url.searchParams.has("hanko_token")).toBe(false);
  // No session; only the spent RelayState binding is cleared.
  expect(String(response.headers["set-cookie"] ?? "")).not.toMatch(/(^|,\s*)hanko=/);
}

describe("Hanko SAML", () => {
  it("GET /saml/provider answers the registered provider and 404 for another domain", async () => {
    const found = await rest(server.url, "GET", "/saml/provider?domain=corp.example");
    expect(found.status).toBe(200);
    expect(found.json).toMatchObject({
      enabled: true,
      name: "Corp",
      domain: "corp.example",
      metadata_url: idp.metadataUrl,
      skip_email_verification: false,
      attribute_map: { email: "mail", email_verified: "email_verified", name: "displayName" },
    });
    expect(await rest(server.url, "GET", "/saml/provider?domain=other.example")).toMatchObject({ status: 404, json: { code: 404, message: "Not Found" } });
  });

  it("GET /saml/metadata answers the SP metadata, or with cert_only its certificate, and 404 for another domain", async () => {
    const metadata = await rest(server.url, "GET", "/saml/metadata?domain=corp.example");
    expect(metadata.status).toBe(200);
    expect(metadata.headers["content-type"]).toBe("application/octet-stream");
    expect(metadata.text).toContain(`entityID="${entityId}"`);
    expect(metadata.text).toContain('AuthnRequestsSigned="true"');
    expect(metadata.text).toContain(`Location="${acsUrl}"`);
    const certificate = await rest(server.url, "GET", "/saml/metadata?domain=corp.example&cert_only=true");
    expect(certificate).toMatchObject({ status: 200, text: sp.certificate.trim() });
    expect((await rest(server.url, "GET", "/saml/metadata?domain=other.example")).status).toBe(404);
    expect((await rest(server.url, "GET", "/saml/metadata?domain=other.example&cert_only=true")).status).toBe(404);
  });

  it("GET /saml/auth redirects to the IdP with a signed AuthnRequest", async () => {
    const { response, request } = await startLogin();
    const url = location(response);
    expect(`${url.origin}${url.pathname}`).toBe(idp.ssoUrl);
    expect(request).toMatchObject({ issuer: entityId, acsUrl, signatureValid: true });
    expect(request.id).toMatch(/^_/);
    expect(request.relayState).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("logs in end to end: signed response → 302 to redirect_to with a one-time token → POST /token → /me", async () => {
    const email = emailAt();
    const { request } = await startLogin(`${app}/after?x=1`);
    const callback = await post(request.relayState, answer(request, { email }));
    expect(callback.status).toBe(302);
    const target = location(callback);
    expect(`${target.origin}${target.pathname}`).toBe(`${app}/after`);
    expect(target.searchParams.get("x")).toBe("1");
    const exchanged = await rest(server.url, "POST", "/token", { body: { value: target.searchParams.get("hanko_token") } });
    expect(exchanged.status).toBe(200);
    const { user_id } = exchanged.json as { user_id: string };
    const me = await rest(server.url, "GET", "/me", { headers: { authorization: `Bearer ${String(exchanged.headers["x-auth-token"])}` } });
    expect(me).toMatchObject({ status: 200, json: { id: user_id } });
    expect((await rest(server.url, "POST", "/user", { body: { email } })).json).toMatchObject({ id: user_id, verified: true });

    // The same NameID logs into the same user again.
    const again = await startLogin();
    const second = await post(again.request.relayState, answer(again.request, { email }));
    const token = location(second).searchParams.get("hanko_token");
    expect((await rest(server.url, "POST", "/token", { body: { value: token } })).json).toMatchObject({ user_id });
  });

  it("counts an address as verified only when the IdP says so, or when the provider skips email verification", async () => {
    const email = emailAt("trusted.example");
    const unverified = await startLogin();
    // corp.example's IdP asserting an address outside its domain, unverified: a new user is refused.
    expectErrorRedirect(await post(unverified.request.relayState, answer(unverified.request, { email: emailAt("elsewhere.example"), emailVerified: false })), "unverified_provider_email");
    // trusted.example skips verification for its own domain: the address counts as verified.
    const trusted = await startLogin(`${app}/done`, "trusted.example");
    const linked = await post(trusted.request.relayState, answer(trusted.request, { email, emailVerified: false }));
    expect(linked.status).toBe(302);
    expect((await rest(server.url, "POST", "/user", { body: { email } })).json).toMatchObject({ verified: true });
  });

  // Account takeover across IdPs: one IdP must not vouch for another domain's users.
  it("lets an IdP link only addresses of its own domain", async () => {
    const email = emailAt("trusted.example");
    const first = await startLogin(`${app}/done`, "trusted.example");
    const owner = location(await post(first.request.relayState, answer(first.request, { email }))).searchParams.get("hanko_token");
    expect(owner).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const intruder = await startLogin();
    expectErrorRedirect(await post(intruder.request.relayState, answer(intruder.request, { email, emailVerified: true })), "user_conflict");
  });

  // Login CSRF: the attacker's own RelayState and response, auto-posted from the victim's
  // browser, must not log the victim in as the attacker.
  it("binds the RelayState to the browser that began the login", async () => {
    const { response, request } = await startLogin();
    expect(String(response.headers["set-cookie"])).toMatch(new RegExp(`hanko_saml_state=${request.relayState}; Path=/saml; HttpOnly; Secure; SameSite=None`));
    expectErrorRedirect(await post(request.relayState, answer(request), ""));
    expect(lastRefusal()).toMatch(/does not belong to this browser/);
    const other = await startLogin();
    expectErrorRedirect(await post(other.request.relayState, answer(other.request), request.relayState));
    expect(lastRefusal()).toMatch(/does not belong to this browser/);
  });

  // Forgery: an assertion whose signed content was changed must not verify.
  it("refuses a response whose signature does not verify", async () => {
    const { request } = await startLogin();
    const tampered = answer(request, { tamper: (xml) => xml.replace(/<saml:AttributeValue>[^<]*@corp.example</, "<saml:AttributeValue>mallory@corp.example<") });
    expectErrorRedirect(await post(request.relayState, tampered));
    expect(lastRefusal()).toMatch(/Invalid signature/);
    const other = await startLogin();
    expectErrorRedirect(await post(other.request.relayState, answer(other.request, { signer: makeTestCertificate("attacker.test") })));
    expect(lastRefusal()).toMatch(/Invalid signature/);
  });

  it("refuses an assertion for another audience", async () => {
    const { request } = await startLogin();
    expectErrorRedirect(await post(request.relayState, answer(request, { audience: "https://other-sp.example.test/metadata" })));
    expect(lastRefusal()).toMatch(/audience mismatch/);
  });

  it("refuses an assertion for another recipient", async () => {
    const { request } = await startLogin();
    expectErrorRedirect(await post(request.relayState, answer(request, { recipient: "https://other-sp.example.test/acs" })));
    expect(lastRefusal()).toMatch(/another recipient/);
  });

  it("refuses an expired assertion", async () => {
    const { request } = await startLogin();
    expectErrorRedirect(await post(request.relayState, answer(request, { issuedInSeconds: -600, validForSeconds: -60 })));
    expect(lastRefusal()).toMatch(/No valid subject confirmation/);
  });

  // Replay: a captured response must not log in a second time, with its RelayState or a fresh one.
  it("refuses a replayed response", async () => {
    const { request } = await startLogin();
    const samlResponse = answer(request);
    expect((await post(request.relayState, samlResponse)).status).toBe(302);
    expectErrorRedirect(await post(request.relayState, samlResponse));
    expect(lastRefusal()).toMatch(/RelayState is unknown, used or expired/);
    const fresh = await startLogin();
    expectErrorRedirect(await post(fresh.request.relayState, samlResponse));
    expect(lastRefusal()).toMatch(/InResponseTo is not valid/);
  });

  it("refuses a response to a request this server never sent, and a forged RelayState", async () => {
    const { request } = await startLogin();
    expectErrorRedirect(await post(request.relayState, answer({ id: "_never-sent" })));
    expect(lastRefusal()).toMatch(/InResponseTo is not valid/);
    expectErrorRedirect(await post("x".repeat(43), answer(request)));
  });

  it("redirects a disallowed redirect_to or a disabled provider with error details", async () => {
    const referer = `${app}/login`;
    const evil = await rest(server.url, "GET", `/saml/auth?domain=corp.example&redirect_to=${b64("https://evil.example.test/")}`, { headers: { referer } });
    expect(evil.status).toBe(307);
    expect(`${location(evil).origin}${location(evil).pathname}`).toBe(referer);
    expect(location(evil).searchParams.get("error")).toBe("invalid_request");
    expectErrorRedirect(await rest(server.url, "GET", `/saml/auth?domain=off.example&redirect_to=${b64(`${app}/done`)}`));
    expectErrorRedirect(await rest(server.url, "GET", `/saml/auth?domain=unknown.example&redirect_to=${b64(`${app}/done`)}`));
  });
});

describe.each(rpcTransports)("Hanko SAML over %s", (transport) => {
  const call = async <T>(method: string, input: Record<string, unknown>): Promise<T> => {
    const result = await callRpc(transport, server.url, SessionService, SessionServiceService, method, input);
    if (!result.ok) throw new Error(`${method} failed: ${result.reason ?? ""} ${result.message}`);
    return result.output as T;
  };

  it("answers the provider, runs auth and callback, and refuses an unknown domain", async () => {
    expect(await call("GetSamlProvider", { domain: "corp.example" })).toMatchObject({ name: "Corp", attribute_map: { email: "mail" } });
    const refused = await callRpc(transport, server.url, SessionService, SessionServiceService, "GetSamlProvider", { domain: "other.example" });
    expect(refused).toMatchObject({ ok: false, code: 5 });
    const started = await call<{ location: string; status: number; stateCookie: string }>("SamlAuth", { domain: "corp.example", redirectTo: b64(`${app}/done`) });
    expect(started.status).toBe(307);
    const request = idp.readAuthnRequest(started.location, sp.certificate);
    expect(started.stateCookie).toBe(request.relayState);
    const finished = await call<{ location: string; status: number }>("SamlCallback", { relayState: request.relayState, samlResponse: answer(request), stateCookie: started.stateCookie });
    expect(finished.status).toBe(302);
    expect(new URL(finished.location).searchParams.get("hanko_token")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
