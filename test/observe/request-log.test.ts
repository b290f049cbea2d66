import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { api, auth, codeSent, heldFrom, logIn, signUpVerified, startWithSinks, type Sinks } from "../authenticator/authenticator-client.js";
import { accessPoint, apiKey, origin } from "../authfi/authfi-client.js";
import { freshEmail } from "../hanko/hanko-client.js";
import { jincor, serviceToken, verifyJwtSecret } from "../jincor/jincor-client.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";
import { mailText } from "../harness/smtp-sink.js";

let server: TestServer;
let sinks: Sinks;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close } = await startWithSinks({ VERIFY_JWT_SECRET: verifyJwtSecret, AUTHFI_ACCESS_POINT: accessPoint, AUTHFI_API_KEY: apiKey, ORIGIN: origin }));
});
afterAll(async () => {
  closeGrpcClients();
  await close?.();
});

interface RequestLine {
  level: string;
  message: string;
  requestId: string;
  product: string;
  route: string;
  transport: string;
  status: number;
  rpcCode?: string;
  durationMs: number;
  reason?: string;
}

/** The request lines the server logged for `requestId`. */
function requestLines(requestId: string): RequestLine[] {
  return server.logs.map((line) => JSON.parse(line) as RequestLine).filter((entry) => entry.message === "request" && entry.requestId === requestId);
}

let sequence = 0;
const idFor = (name: string) => `${name}-${process.pid}-${++sequence}`;

describe("the request log", () => {
  // An operator's log is read by many and kept for long: a secret in it is a secret leaked.
  it("has one line per request with its fields, and no secret a whole flow set used", async () => {
    const secrets: string[] = [];
    const expected: Array<{ id: string; line: Partial<RequestLine> }> = [];
    const withId = (name: string, line: Partial<RequestLine>) => {
      const id = idFor(name);
      expected.push({ id, line });
      return { "x-request-id": id };
    };

    // Hanko: passcode login, then a Bearer and a cookie session call.
    const email = freshEmail();
    const created = await rest(server.url, "POST", "/users", { body: { email }, headers: withId("hanko-create", { product: "hanko", route: "POST /users", transport: "rest", status: 200 }) });
    const { user_id: userId } = created.json as { user_id: string };
    const init = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId } });
    const { id: passcodeId } = init.json as { id: string };
    const passcode = /passcode is (\d{6})/.exec(mailText((await sinks.smtp.waitFor(email)).raw))?.[1];
    expect(passcode).toMatch(/^\d{6}$/);
    secrets.push(passcode!);
    const wrongPasscode = String((Number(passcode) + 1) % 1_000_000).padStart(6, "0");
    secrets.push(wrongPasscode);
    const refused = await rest(server.url, "POST", "/passcode/login/finalize", {
      body: { id: passcodeId, code: wrongPasscode },
      headers: withId("hanko-wrong-code", { product: "hanko", route: "POST /passcode/login/finalize", transport: "rest", status: 401, reason: "PASSCODE_INVALID" }),
    });
    expect(refused.status).toBe(401);
    const finalized = await rest(server.url, "POST", "/passcode/login/finalize", {
      body: { id: passcodeId, code: passcode },
      headers: withId("hanko-finalize", { product: "hanko", route: "POST /passcode/login/finalize", transport: "rest", status: 200 }),
    });
    expect(finalized.status).toBe(200);
    const session = String(finalized.headers["x-auth-token"]);
    secrets.push(session);
    const bearer = { authorization: `Bearer ${session}` };
    expect((await rest(server.url, "GET", "/me", { headers: { ...bearer, ...withId("hanko-me", { product: "hanko", route: "GET /me", transport: "rest", status: 200 }) } })).status).toBe(200);
    expect((await rest(server.url, "GET", "/me", { headers: { cookie: `hanko=${session}`, ...withId("hanko-me-cookie", { product: "hanko", route: "GET /me", status: 200 }) } })).status).toBe(200);
    // The same session over gRPC and Connect.
    const grpcMe = await callRpc("grpc", server.url, IdentityService, IdentityServiceService, "getCurrentUser", {}, { ...bearer, ...withId("rpc-me", { product: "hanko", route: "tessera.identity.v1.IdentityService/GetCurrentUser", transport: "grpc", status: 200, rpcCode: "ok" }) });
    expect(grpcMe.ok).toBe(true);
    const connectMe = await callRpc("connect-json", server.url, IdentityService, IdentityServiceService, "getCurrentUser", {}, { ...bearer, ...withId("connect-me", { transport: "connect", rpcCode: "ok" }) });
    expect(connectMe.ok).toBe(true);
    const refusedRpc = await callRpc("grpc", server.url, IdentityService, IdentityServiceService, "getCurrentUser", {}, { authorization: "Bearer not-a-session-token-secret", ...withId("rpc-refused", { transport: "grpc", rpcCode: "unauthenticated", reason: "UNAUTHENTICATED" }) });
    expect(refusedRpc).toMatchObject({ ok: false, code: Code.Unauthenticated });
    secrets.push("not-a-session-token-secret");

    // The Authenticator API: sign-up with a password and a code, login with the password and a code.
    const password = `pw-${process.pid}-correct horse`;
    secrets.push(password);
    const account = await signUpVerified(server, sinks, freshEmail(), password);
    secrets.push(account.token, account.clientId);
    const identified = await logIn(server, sinks, account);
    secrets.push(identified.token);
    const loginCode = await codeSent(sinks, account.contact, identified.codeIndex);
    secrets.push(loginCode);
    const verified = await api(server, "POST", "/login/verify-code", {
      body: { code: loginCode },
      headers: { ...auth(identified), ...withId("authenticator-verify", { product: "authenticator", route: "POST /api/v1/login/verify-code", transport: "rest", status: 200 }) },
    });
    expect(verified.status, verified.text).toBe(200);
    secrets.push(heldFrom(verified).token);
    for (const mail of sinks.smtp.messages.filter((message) => message.to.includes(account.contact))) secrets.push(...[...mailText(mail.raw).matchAll(/code is (\d{6})/g)].map((match) => match[1]!));

    // AuthFi with its API key.
    const users = await rest(server.url, "GET", `/${accessPoint}/api/v1/users`, { headers: { "AT-X-KEY": apiKey, ...withId("authfi-users", { product: "authfi", route: "GET /{access_point}/api/v1/users", transport: "rest", status: 200 }) } });
    expect(users.status, users.text).toBe(200);
    secrets.push(apiKey);
    const badKey = await rest(server.url, "GET", `/${accessPoint}/api/v1/users`, { headers: { "AT-X-KEY": "wrong-api-key-secret", ...withId("authfi-bad-key", { product: "authfi", status: 401 }) } });
    expect(badKey.status).toBe(401);
    secrets.push("wrong-api-key-secret");

    // Jincor with a service token: an email verification and its code.
    const token = await serviceToken();
    secrets.push(token, verifyJwtSecret);
    const consumer = freshEmail();
    const initiated = await jincor(server.url, "POST", "/methods/email/actions/initiate", {
      body: { consumer, template: { body: "Code {{{CODE}}} for {{{VERIFICATION_ID}}}." }, generateCode: { length: 8, symbolSet: ["DIGITS"] }, policy: { expiredOn: "01:00:00" } },
      headers: { authorization: `Bearer ${token}`, ...withId("jincor-initiate", { product: "jincor", route: "POST /methods/{method}/actions/initiate", transport: "rest", status: 200 }) },
    });
    expect(initiated.status, initiated.text).toBe(200);
    const { verificationId } = initiated.json as { verificationId: string };
    const jincorCode = /Code (\d{8}) for/.exec(mailText((await sinks.smtp.waitFor(consumer)).raw))?.[1];
    expect(jincorCode).toMatch(/^\d{8}$/);
    secrets.push(jincorCode!);
    const validated = await jincor(server.url, "POST", `/methods/email/verifiers/${verificationId}/actions/validate`, { body: { code: jincorCode }, headers: { authorization: `Bearer ${token}`, ...withId("jincor-validate", { product: "jincor", status: 200 }) } });
    expect(validated.status, validated.text).toBe(200);

    // A query string is never logged.
    const querySecret = `query-secret-${process.pid}`;
    secrets.push(querySecret);
    expect((await rest(server.url, "GET", `/.well-known/jwks.json?token=${querySecret}`, { headers: withId("query", { route: "GET /.well-known/jwks.json", status: 200 }) })).status).toBe(200);
    // An unknown path is logged as unmatched, never as the raw path.
    const pathSecret = `path-secret-${process.pid}`;
    secrets.push(pathSecret);
    expect((await rest(server.url, "GET", `/no/such/${pathSecret}`, { headers: withId("unmatched", { route: "unmatched", status: 404, reason: "ROUTE_NOT_FOUND" }) })).status).toBe(404);

    // Lines are written when the response closes: wait for the last one.
    await expect.poll(() => requestLines(expected.at(-1)!.id).length).toBe(1);
    for (const { id, line } of expected) {
      const lines = requestLines(id);
      expect(lines, id).toHaveLength(1);
      expect(lines[0], id).toMatchObject({ level: "info", ...line });
      expect(lines[0]!.durationMs, id).toBeGreaterThanOrEqual(0);
    }
    const whole = server.logs.join("");
    expect(whole.length).toBeGreaterThan(0);
    for (const secret of new Set(secrets)) {
      expect(secret.length, "every secret is long enough to be found by itself").toBeGreaterThanOrEqual(6);
      expect(whole.includes(secret), `the log holds a secret: ${secret}`).toBe(false);
    }
    // A JWT's signature alone is a secret too (a log that cut the token in parts would leak it).
    for (const jwt of secrets.filter((secret) => secret.split(".").length === 3)) expect(whole.includes(jwt.split(".")[2]!)).toBe(false);
  }, 60_000);
});
