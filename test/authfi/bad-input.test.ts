import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { productDialects } from "../../src/products/dialects.js";
import { createRouteTable } from "../../src/transport/rest/route-table.js";
import { rest } from "../harness/rest.js";
import type { TestServer } from "../harness/server.js";
import { accessPoint, apiKey, startAuthfiServer } from "./authfi-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startAuthfiServer();
});
afterAll(async () => {
  await server?.close();
});

// Every AuthFi route, read from the same descriptors the server routes by.
const routes = createRouteTable([IdentityService, WebAuthnService], productDialects).routes.filter((route) => route.dialect.name === "authfi");
const path = (template: string, ap = accessPoint) => template.replace("{access_point}", ap).replace(/\{[^}]+\}/g, Buffer.alloc(16, 3).toString("base64url"));
const withKey = { "AT-X-KEY": apiKey };

describe.each(routes.map((route) => [`${route.verb} ${route.template}`, route] as const))("%s", (_name, route) => {
  it("answers 401 code 1000 without the API key, with a wrong one, or at an unknown access point", async () => {
    const body = route.body === "" ? {} : { body: {} };
    expect(await rest(server.url, route.verb, path(route.template), body)).toMatchObject({ status: 401, json: { code: 1000 } });
    expect(await rest(server.url, route.verb, path(route.template), { ...body, headers: { "AT-X-KEY": "wrong" } })).toMatchObject({ status: 401, json: { code: 1000 } });
    expect(await rest(server.url, route.verb, path(route.template, "unknown"), { ...body, headers: withKey })).toMatchObject({ status: 401, json: { code: 1000 } });
  });

  it.runIf(route.body !== "")("answers malformed JSON and a body over 64 KiB with 1002 (400 and 413)", async () => {
    const headers = { "content-type": "application/json", ...withKey };
    expect(await rest(server.url, route.verb, path(route.template), { rawBody: '{"params": ', headers })).toMatchObject({ status: 400, json: { code: 1002 } });
    expect(await rest(server.url, route.verb, path(route.template), { rawBody: JSON.stringify({ pad: "x".repeat(70_000) }), headers })).toMatchObject({ status: 413, json: { code: 1002 } });
    expect(await rest(server.url, route.verb, path(route.template), { rawBody: "a=b", headers: { ...headers, "content-type": "text/csv" } })).toMatchObject({ status: 415, json: { code: 1002 } });
  });
});

it("answers a field of the wrong type, an unknown path and a wrong method with 1002", async () => {
  expect(await rest(server.url, "POST", `/${accessPoint}/api/v1/webauthn/login`, { body: { params: "required" }, headers: withKey })).toMatchObject({ status: 400, json: { code: 1002 } });
  expect(await rest(server.url, "GET", `/${accessPoint}/api/v1/nothing`, { headers: withKey })).toMatchObject({ status: 404, json: { code: 1002 } });
  expect(await rest(server.url, "PATCH", `/${accessPoint}/api/v1/webauthn/login`, { body: {}, headers: withKey })).toMatchObject({ status: 405, json: { code: 1002 } });
});

it("covers every AuthFi operation", () => {
  expect(routes.map((route) => `${route.verb} ${route.template}`).sort()).toEqual([
    "DELETE /{access_point}/api/v1/users/{user_id}",
    "DELETE /{access_point}/api/v1/users/{user_id}/keys/{id}",
    "GET /{access_point}/api/v1/users",
    "GET /{access_point}/api/v1/users/{user_id}/keys",
    "POST /{access_point}/api/v1/webauthn/login",
    "POST /{access_point}/api/v1/webauthn/registration",
    "POST /{access_point}/api/v1/webauthn/verification",
    "PUT /{access_point}/api/v1/users/{user_id}",
    "PUT /{access_point}/api/v1/users/{user_id}/keys/{id}",
    "PUT /{access_point}/api/v1/webauthn/login",
    "PUT /{access_point}/api/v1/webauthn/registration",
    "PUT /{access_point}/api/v1/webauthn/verification",
  ]);
});
