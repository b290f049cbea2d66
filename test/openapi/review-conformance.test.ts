import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, type RestResponse } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { mailText, startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";
import { jincor, verifyJwtSecret } from "../jincor/jincor-client.js";
import { newIdentity, registration, selfSigned, sendJwt } from "../authentiq/authentiq-client.js";
import { mismatches } from "./conformance.js";

/**
 * Review probe: real answers of the server for a sample of routes per product, checked
 * against what gen/openapi/tessera.openapi.json says of them (status, content type, body
 * schema, Set-Cookie/Location/Retry-After). A failing case is a place where the document
 * and the server disagree.
 */
let server: TestServer;
let smtp: SmtpSink;
let sms: WebhookSink;
const accessPoint = "abcdefgh0123456789";
const apiKey = "VHJ5IGEgc2FtcGxlIEFQSSBrZXk";
beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startWebhookSink();
  server = await startTestServer({
    SMTP_URL: smtp.url,
    SMS_WEBHOOK_URL: sms.url,
    VERIFY_JWT_SECRET: verifyJwtSecret,
    ORIGIN: "https://rp.example.com",
    RP_NAME: "Example RP",
    AUTHFI_ACCESS_POINT: accessPoint,
    AUTHFI_API_KEY: apiKey,
  });
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await sms?.close();
});

let counter = 0;
const freshEmail = () => `oa${++counter}-${process.pid}-${Date.now()}@example.com`;

type Call = [verb: string, template: string, answer: RestResponse];
const check = (calls: Call[]) => (process.env.REVIEW_DEBUG ? console.log(calls.map(([v, t, a]) => `${v} ${t} ${a.status} ${String(a.headers["content-type"] ?? "")} ${a.text.slice(0, 140)}`).join("\n")) : undefined, calls).flatMap(([verb, template, answer]) => mismatches(verb, template, answer));

describe("the document against the running server (review probe)", () => {
  it("Hanko", async () => {
    const url = server.url;
    const calls: Call[] = [];
    const call = async (verb: string, template: string, path: string, options: Parameters<typeof rest>[3] = {}) => {
      const answer = await rest(url, verb, path, options);
      calls.push([verb, template, answer]);
      return answer;
    };
    await call("GET", "/", "/");
    await call("GET", "/.well-known/config", "/.well-known/config");
    await call("GET", "/.well-known/jwks.json", "/.well-known/jwks.json");
    const email = freshEmail();
    const created = await call("POST", "/users", "/users", { body: { email } });
    expect(created.status, created.text).toBe(200);
    const userId = (created.json as { user_id: string }).user_id;
    await call("POST", "/users", "/users", { body: { email } }); // 409
    await call("POST", "/users", "/users", { body: { email: "not-an-address" } }); // 400
    await call("POST", "/users", "/users", { rawBody: "{", headers: { "content-type": "application/json" } }); // 400 malformed
    await call("POST", "/user", "/user", { body: { email } });
    const init = await call("POST", "/passcode/login/initialize", "/passcode/login/initialize", { body: { user_id: userId } });
    expect(init.status, init.text).toBe(200);
    const code = /(\d{6})/.exec(mailText((await smtp.waitFor(email)).raw))![1]!;
    await call("POST", "/passcode/login/finalize", "/passcode/login/finalize", { body: { id: (init.json as { id: string }).id, code: "000000" } }); // 401
    const final = await call("POST", "/passcode/login/finalize", "/passcode/login/finalize", { body: { id: (init.json as { id: string }).id, code } });
    expect(final.status, final.text).toBe(200);
    const auth = { authorization: `Bearer ${String(final.headers["x-auth-token"])}` };
    await call("GET", "/me", "/me", { headers: auth });
    await call("GET", "/me", "/me"); // 401
    await call("GET", "/users/{id}", `/users/${userId}`, { headers: auth });
    await call("GET", "/emails", "/emails", { headers: auth });
    await call("POST", "/emails", "/emails", { body: { address: freshEmail() }, headers: auth });
    await call("PUT", "/password", "/password", { body: { user_id: userId, password: "correct horse battery staple" }, headers: auth });
    await call("POST", "/password/login", "/password/login", { body: { user_id: userId, password: "wrong password here" } }); // 401
    await call("POST", "/password/login", "/password/login", { body: { user_id: userId, password: "correct horse battery staple" } });
    await call("GET", "/webauthn/credentials", "/webauthn/credentials", { headers: auth });
    await call("POST", "/webauthn/login/initialize", "/webauthn/login/initialize", { body: {} });
    await call("GET", "/thirdparty/auth", "/thirdparty/auth?provider=nope", { headers: { referer: "https://app.example.com/" } });
    await call("GET", "/saml/provider", "/saml/provider?domain=example.com");
    await call("PUT", "/users", "/users", { body: {} }); // 405: not an operation, but the path is
    await call("POST", "/logout", "/logout", { headers: auth });
    const problems = check(calls.filter(([verb, template]) => !(verb === "PUT" && template === "/users")));
    expect(problems).toEqual([]);
  });

  it("Jincor VERIFY", async () => {
    const url = server.url;
    const calls: Call[] = [];
    const call = async (verb: string, template: string, path: string, options: Parameters<typeof jincor>[3] = {}) => {
      const answer = await jincor(url, verb, path, options);
      calls.push([verb, template, answer]);
      return answer;
    };
    const consumer = freshEmail();
    const body = { consumer, issuer: "Jincor", template: { body: "Code {{{CODE}}} for {{{VERIFICATION_ID}}}." }, generateCode: { length: 8, symbolSet: ["DIGITS"] }, policy: { expiredOn: "01:00:00" } };
    const initiated = await call("POST", "/methods/{method}/actions/initiate", "/methods/email/actions/initiate", { body });
    expect(initiated.status, initiated.text).toBe(200);
    const id = (initiated.json as { verificationId: string }).verificationId;
    await call("POST", "/methods/{method}/actions/initiate", "/methods/email/actions/initiate", { body: { consumer: "x" } }); // 422
    await call("POST", "/methods/{method}/actions/initiate", "/methods/email/actions/initiate", { body, headers: {} }); // 401
    await call("GET", "/methods/{method}/verifiers/{verification_id}", `/methods/email/verifiers/${id}`);
    await call("POST", "/methods/{method}/verifiers/{verification_id}/actions/validate", `/methods/email/verifiers/${id}/actions/validate`, { body: { code: "00000000" } }); // 422
    const text = mailText((await smtp.waitFor(consumer)).raw);
    const code = /Code (\S+) for/.exec(text)![1]!;
    await call("POST", "/methods/{method}/verifiers/{verification_id}/actions/validate", `/methods/email/verifiers/${id}/actions/validate`, { body: { code } });
    await call("DELETE", "/methods/{method}/verifiers/{verification_id}", `/methods/email/verifiers/${id}`);
    await call("GET", "/methods/{method}/verifiers/{verification_id}", `/methods/nope/verifiers/${id}`); // 404
    expect(check(calls)).toEqual([]);
  });

  it("Authentiq", async () => {
    const url = server.url;
    const calls: Call[] = [];
    const push = (verb: string, template: string, answer: RestResponse) => {
      calls.push([verb, template, answer]);
      return answer;
    };
    const id = newIdentity();
    const registered = push("POST", "/key", await sendJwt(url, "POST", "/key", await registration(id)));
    expect(registered.status, registered.text).toBe(201);
    push("POST", "/key", await sendJwt(url, "POST", "/key", await registration(id))); // 409
    push("POST", "/key", await sendJwt(url, "POST", "/key", "not a jwt")); // 400
    push("GET", "/key/{pk}", await rest(url, "GET", `/key/${id.pk}`));
    push("HEAD", "/key/{pk}", await rest(url, "HEAD", `/key/${id.pk}`));
    push("GET", "/key/{pk}", await rest(url, "GET", `/key/${newIdentity().pk}`)); // 404
    push("GET", "/.well-known/authentiq-jwks.json", await rest(url, "GET", "/.well-known/authentiq-jwks.json"));
    const scope = push("POST", "/scope", await sendJwt(url, "POST", "/scope", await selfSigned(id, { scope: "email", email: freshEmail() })));
    expect(scope.status, scope.text).toBe(201);
    const job = (scope.json as { job: string }).job;
    push("GET", "/scope/{job}", await rest(url, "GET", `/scope/${job}`)); // 204 waiting
    push("HEAD", "/scope/{job}", await rest(url, "HEAD", `/scope/${job}`));
    push("POST", "/scope/{job}", await rest(url, "POST", `/scope/${job}`)); // 202
    push("PUT", "/scope/{job}", await rest(url, "PUT", `/scope/${job}`));
    push("GET", "/scope/{job}", await rest(url, "GET", `/scope/${job}`, { headers: { accept: "application/jwt" } }));
    push("GET", "/scope/{job}", await rest(url, "GET", `/scope/${job}`));
    push("DELETE", "/scope/{job}", await rest(url, "DELETE", `/scope/${job}`));
    push("GET", "/scope/{job}", await rest(url, "GET", "/scope/unknownjobunknownjob")); // 404
    expect(check(calls)).toEqual([]);
  });

  it("Authenticator API", async () => {
    const url = server.url;
    const calls: Call[] = [];
    const call = async (verb: string, template: string, path: string, options: Parameters<typeof rest>[3] = {}) => {
      const answer = await rest(url, verb, `/api/v1${path}`, options);
      calls.push([verb, `/api/v1${template}`, answer]);
      return answer;
    };
    const email = freshEmail();
    const started = await call("POST", "/signup", "/signup", { body: { email, password: "correct horse battery" } });
    expect(started.status, started.text).toBe(201);
    const held = started.json as { token: string; clientID: string };
    const auth = { authorization: `Bearer ${held.token}`, cookie: `CLIENTID=${held.clientID}` };
    await call("POST", "/signup", "/signup", { body: { email: "nope", password: "x" } }); // 400
    const code = /code is (\d{6})/.exec(mailText((await smtp.waitFor(email)).raw))![1]!;
    await call("POST", "/signup/verify", "/signup/verify", { body: { code: "000000" }, headers: auth }); // 4xx
    const verified = await call("POST", "/signup/verify", "/signup/verify", { body: { code }, headers: auth });
    expect(verified.status, verified.text).toBe(201);
    const authorized = verified.json as { token: string; clientID: string };
    const authz = { authorization: `Bearer ${authorized.token}`, cookie: `CLIENTID=${authorized.clientID}` };
    await call("GET", "/token/verify", "/token/verify", { headers: authz });
    await call("GET", "/token/verify", "/token/verify"); // 401
    await call("POST", "/login", "/login", { body: { email, password: "wrong password" } }); // 401
    await call("POST", "/login", "/login", { body: { email, password: "correct horse battery" } });
    await call("POST", "/login", "/login", { rawBody: `email=${encodeURIComponent(email)}&password=correct+horse+battery`, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(check(calls)).toEqual([]);
  });

  it("AuthFi FIDO2", async () => {
    const url = server.url;
    const calls: Call[] = [];
    const call = async (verb: string, template: string, path: string, body?: unknown, key: string | null = apiKey) => {
      const answer = await rest(url, verb, `/${accessPoint}/api/v1${path}`, { ...(body === undefined ? {} : { body }), headers: key === null ? {} : { "AT-X-KEY": key } });
      calls.push([verb, `/{access_point}/api/v1${template}`, answer]);
      return answer;
    };
    await call("GET", "/users", "/users");
    await call("GET", "/users", "/users", undefined, null); // 401
    await call("GET", "/users", "/users?page=x"); // 400
    const begun = await call("POST", "/webauthn/registration", "/webauthn/registration", {
      params: { user: { name: "oa-user", displayName: "OA" }, authenticatorSelection: { authenticatorAttachment: "cross-platform", requireResidentKey: true, userVerification: "required" }, attestation: "direct" },
    });
    expect(begun.status, begun.text).toBe(200);
    await call("PUT", "/webauthn/registration", "/webauthn/registration", { fido_register_response: {} }); // 400
    await call("DELETE", "/users/{user_id}", "/users/nobody"); // 404
    expect(check(calls)).toEqual([]);
  });
});

describe("the conformance checker itself (so the probe can fail)", () => {
  const answer = (status: number, json: unknown, headers: Record<string, string> = {}): RestResponse => ({
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    text: JSON.stringify(json),
    json,
  });
  it.each<[string, RestResponse, RegExp]>([
    ["an undocumented status", answer(299, {}), /status not documented/],
    ["an error body outside the dialect", answer(400, { code: 400, message: "x", extra: 1 }), /breaks the schema/],
    ["a success body missing a required field", answer(200, { user_id: "u" }), /breaks the schema/],
    ["an undocumented Set-Cookie", answer(200, { user_id: "u", email_id: "e" }, { "set-cookie": "a=b" }), /Set-Cookie/],
  ])("finds %s", (_name, response, expected) => {
    expect(mismatches("POST", "/users", response).join("\n")).toMatch(expected);
  });
  it("passes a conforming answer", () => {
    expect(mismatches("POST", "/users", answer(200, { user_id: "u", email_id: "e" }))).toEqual([]);
  });
});

describe("every documented operation is answered by its route (review probe)", () => {
  it("no documented VERB path gets 405 or the router's 404", async () => {
    const { readDocument } = await import("./documents.js");
    const { productDialects } = await import("../../src/products/dialects.js");
    const document = readDocument("tessera");
    const problems: string[] = [];
    for (const [template, item] of Object.entries(document.paths)) {
      for (const verb of Object.keys(item)) {
        const path = template.replace(/\{[^}]+\}/g, "sample-value-1");
        const response = await rest(server.url, verb.toUpperCase(), path, {});
        const dialectName = (item[verb as keyof typeof item] as unknown as { responses: Record<string, { $ref?: string }> }).responses["4XX"]?.$ref?.replace("#/components/responses/", "").replace("Error", "").toLowerCase();
        const dialect = dialectName === undefined ? undefined : productDialects.forRule(({ hanko: 1, jincor: 2, authfi: 3, authentiq: 4, authenticator: 5 } as Record<string, number>)[dialectName] as never);
        const routerNotFound = dialect === undefined ? undefined : JSON.stringify(dialect.render({ reason: "ROUTE_NOT_FOUND", kind: "not_found", message: "no such resource" }).body);
        if (response.status === 405) problems.push(`${verb} ${template}: 405`);
        else if (response.status === 404 && verb !== "head" && response.text === routerNotFound) problems.push(`${verb} ${template}: the router's 404 ${response.text}`);
      }
    }
    expect(problems).toEqual([]);
    // The probe can fail: an undocumented path gets the router's 404, a wrong verb 405.
    const hankoNotFound = JSON.stringify(productDialects.forRule(1 as never).render({ reason: "ROUTE_NOT_FOUND", kind: "not_found", message: "no such resource" }).body);
    expect((await rest(server.url, "GET", "/no-such-path")).text).toBe(hankoNotFound);
    expect((await rest(server.url, "PATCH", "/users")).status).toBe(405);
  });
});
