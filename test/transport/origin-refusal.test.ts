// A page on a site that shares Tessera's cookies (SameSite counts the site, not the port, so
// http://localhost:<other port> sends the hanko cookie) but whose origin is not in CORS_ORIGINS
// posts a form, or a simple fetch, to an unsafe route: CORS only hides the answer from the page,
// so the write used to happen. Such a request is now refused 403 in the route's dialect (RPC:
// PERMISSION_DENIED, ORIGIN_NOT_ALLOWED) before anything is written; without an Origin (a server,
// curl, grpc-js), from an allowed origin and from the server's own it is served as before. A JSON
// route takes JSON only: text/plain, a form or a body without a type is 415, so no form can carry
// a JSON text. One table over a REST route of each product and over every RPC transport.
import { sql } from "kysely";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { registration, newIdentity } from "../authentiq/authentiq-client.js";
import { accessPoint, apiKey } from "../authfi/authfi-client.js";
import { serviceToken, verifyJwtSecret } from "../jincor/jincor-client.js";
import { rest, type RestResponse } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";

const allowedOrigin = "https://app.example.test";
const refusedOrigin = "http://localhost:1";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    CORS_ORIGINS: allowedOrigin,
    VERIFY_JWT_SECRET: verifyJwtSecret,
    AUTHFI_ACCESS_POINT: accessPoint,
    AUTHFI_API_KEY: apiKey,
    ORIGIN: "https://rp.example.com",
  });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

let counter = 0;
const unique = () => `origin${++counter}-${process.pid}-${Date.now()}`;

/** The row count of every table: a refused request leaves all of them as they were. */
async function rowCounts(): Promise<Record<string, number>> {
  const db = server.app.database.db;
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`.execute(db);
  const counts: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const result = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(name)}`.execute(db);
    counts[name] = Number(result.rows[0]!.n);
  }
  return counts;
}

/** One REST route of a product: a valid request of it, made fresh per call. */
interface RestCase {
  product: string;
  verb: string;
  path: string;
  /** The body and the headers it needs (its credential); JSON unless `contentType` says otherwise. */
  request(): Promise<{ body: string; contentType: string; headers?: Record<string, string> }>;
  ok: number;
  /** The product's error body for ORIGIN_NOT_ALLOWED (403). */
  refused: unknown;
  /** A content type the route does not take, and the product's error body for it (415). */
  wrongType: string;
  unsupported: unknown;
}

const json = (value: unknown) => ({ body: JSON.stringify(value), contentType: "application/json" });

const restCases: RestCase[] = [
  {
    product: "Hanko",
    verb: "POST",
    path: "/users",
    request: async () => json({ email: `${unique()}@example.com` }),
    ok: 200,
    refused: { code: 403, message: expect.stringContaining("CORS_ORIGINS") },
    wrongType: "text/plain",
    unsupported: { code: 415, message: expect.stringContaining("application/json") },
  },
  {
    product: "Jincor",
    verb: "POST",
    path: "/methods/email/actions/initiate",
    request: async () => ({
      ...json({ consumer: `${unique()}@example.com`, template: { body: "Code {{{CODE}}}" }, generateCode: { length: 6, symbolSet: ["DIGITS"] }, policy: { expiredOn: "00:05:00" } }),
      headers: { authorization: `Bearer ${await serviceToken()}` },
    }),
    ok: 200,
    refused: { status: 403, error: expect.stringContaining("CORS_ORIGINS") },
    wrongType: "text/plain",
    unsupported: { status: 415, error: expect.stringContaining("application/json") },
  },
  {
    product: "Authenticator API",
    verb: "POST",
    path: "/api/v1/signup",
    request: async () => json({ email: `${unique()}@example.com`, password: "correct horse battery" }),
    ok: 201,
    refused: { error: { code: "origin_not_allowed", message: expect.stringContaining("CORS_ORIGINS") } },
    wrongType: "text/plain",
    unsupported: { error: { code: "unsupported_media_type", message: expect.stringContaining("application/json") } },
  },
  {
    product: "AuthFi",
    verb: "POST",
    path: `/${accessPoint}/api/v1/webauthn/registration`,
    request: async () => ({ ...json({ params: { user: { name: unique(), displayName: "Foo Bar" } } }), headers: { "at-x-key": apiKey } }),
    ok: 200,
    refused: { code: 1002, message: expect.stringContaining("CORS_ORIGINS") },
    wrongType: "text/plain",
    unsupported: { code: 1002, message: expect.stringContaining("application/json") },
  },
  {
    // Authentiq's bodies are JWTs (application/jwt, or text/plain as curl sends it): a form is refused.
    product: "Authentiq",
    verb: "POST",
    path: "/key",
    request: async () => ({ body: await registration(newIdentity()), contentType: "application/jwt" }),
    ok: 201,
    refused: { error: 403, title: "origin-not-allowed", type: "origin-not-allowed", detail: expect.stringContaining("CORS_ORIGINS") },
    wrongType: "application/x-www-form-urlencoded",
    unsupported: { error: 415, title: "unsupported-media-type", type: "unsupported-media-type", detail: expect.stringContaining("application/jwt") },
  },
];

async function send(route: RestCase, origin: string | undefined, contentType?: string): Promise<RestResponse> {
  const request = await route.request();
  return rest(server.url, route.verb, route.path, {
    rawBody: request.body,
    headers: { "content-type": contentType ?? request.contentType, ...request.headers, ...(origin === undefined ? {} : { origin }) },
  });
}

describe.each(restCases)("$product: $verb $path", (route) => {
  it("refuses an unsafe request of a refused origin with 403 in the product's dialect, and writes nothing", async () => {
    const before = await rowCounts();
    const answer = await send(route, refusedOrigin);
    expect(answer.status, answer.text).toBe(403);
    expect(answer.json).toEqual(route.refused);
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
    expect(await rowCounts()).toEqual(before);
  });

  it.each([
    ["no Origin (a server, curl)", undefined],
    ["an allowed origin", allowedOrigin],
    ["the server's own origin (ORIGIN)", "https://rp.example.com"],
  ] as const)("serves it from %s", async (_name, origin) => {
    const answer = await send(route, origin);
    expect(answer.status, answer.text).toBe(route.ok);
  });

  it("refuses a body of another content type with 415 in the product's dialect", async () => {
    const answer = await send(route, undefined, route.wrongType);
    expect(answer.status, answer.text).toBe(415);
    expect(answer.json).toEqual(route.unsupported);
  });
});

it("refuses a JSON text without a Content-Type with 415, and a form body on a JSON route", async () => {
  const email = `${unique()}@example.com`;
  const untyped = await rest(server.url, "POST", "/users", { rawBody: JSON.stringify({ email }) });
  expect(untyped).toMatchObject({ status: 415, json: { code: 415 } });
  const form = await rest(server.url, "POST", "/users", { rawBody: `email=${encodeURIComponent(email)}`, headers: { "content-type": "application/x-www-form-urlencoded" } });
  expect(form).toMatchObject({ status: 415, json: { code: 415 } });
  const multipart = await rest(server.url, "POST", "/users", { rawBody: `--b\r\ncontent-disposition: form-data; name="email"\r\n\r\n${email}\r\n--b--\r\n`, headers: { "content-type": "multipart/form-data; boundary=b" } });
  expect(multipart).toMatchObject({ status: 415, json: { code: 415 } });
});

it("keeps serving safe requests of a refused origin, and logs the refusal of the unsafe one", async () => {
  expect((await rest(server.url, "GET", "/.well-known/jwks.json", { headers: { origin: refusedOrigin } })).status).toBe(200);
  const origin = "http://localhost:2";
  expect((await send(restCases[0]!, origin)).status).toBe(403);
  const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === "cors origin refused" && line.origin === origin);
  expect(lines).toEqual([expect.objectContaining({ level: "warn", method: "POST", path: "/users" })]);
});

// The identity provider's page posts the SAML response from its own origin: the route declares
// cross_site_form_post and reaches its handler (SAML is off here: Hanko's 404).
it("lets a cross-site form post reach the SAML callback", async () => {
  const answer = await rest(server.url, "POST", "/saml/callback", { rawBody: "RelayState=x&SAMLResponse=y", headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://idp.example.test" } });
  expect(answer).toMatchObject({ status: 404, json: { code: 404 } });
});

describe.each(rpcTransports)("CreateUser over %s", (transport) => {
  const create = (headers: Record<string, string>) => callRpc(transport, server.url, IdentityService, IdentityServiceService, "CreateUser", { email: `${unique()}@example.com` }, headers);

  it("refuses a call of a refused origin with PERMISSION_DENIED and ORIGIN_NOT_ALLOWED, and writes nothing", async () => {
    const before = await rowCounts();
    expect(await create({ origin: refusedOrigin })).toMatchObject({ ok: false, code: Code.PermissionDenied, reason: "ORIGIN_NOT_ALLOWED" });
    expect(await rowCounts()).toEqual(before);
  });

  it.each([
    ["no Origin", {}],
    ["an allowed origin", { origin: allowedOrigin }],
  ] as const)("serves it from %s", async (_name, headers) => {
    expect(await create(headers)).toMatchObject({ ok: true });
  });
});
