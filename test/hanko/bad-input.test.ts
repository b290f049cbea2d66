import { ScalarType } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { VerifyService } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { productDialects } from "../../src/products/dialects.js";
import { createRouteTable } from "../../src/transport/rest/route-table.js";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ HANKO_PASSWORDS_ENABLED: "true" });
});
afterAll(async () => {
  await server?.close();
});

// Every Hanko route that takes a body, read from the same descriptors the server routes by.
const routes = createRouteTable([SessionService, IdentityService, VerifyService, WebAuthnService], productDialects).routes.filter(
  (route) => route.dialect.name === "hanko" && route.body !== "",
);
const path = (template: string) => template.replace(/\{[^}]+\}/g, "7f1e0a4c-1111-4222-8333-944445555666");

describe.each(routes.map((route) => [`${route.verb} ${route.template}`, route] as const))("bad input to %s", (_name, route) => {
  it("answers malformed JSON with 400 in Hanko's shape", async () => {
    const response = await rest(server.url, route.verb, path(route.template), { rawBody: '{"user_id": ', headers: { "content-type": "application/json" } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ code: 400, message: "the request body is not valid JSON" });
  });

  it("answers a body over 64 KiB with 413 in Hanko's shape", async () => {
    const response = await rest(server.url, route.verb, path(route.template), { rawBody: JSON.stringify({ pad: "x".repeat(70_000) }), headers: { "content-type": "application/json" } });
    expect(response.status).toBe(413);
    expect(response.json).toMatchObject({ code: 413 });
  });

  const fromPath = new Set(route.variables.map((variable) => variable.fieldPath));
  const field = route.method.input.fields.find((candidate) => candidate.fieldKind === "scalar" && candidate.scalar === ScalarType.STRING && !fromPath.has(candidate.name));
  it.runIf(field !== undefined)("answers a string field of the wrong type with 400", async () => {
    if (field === undefined) throw new Error("unreachable: runIf");
    const response = await rest(server.url, route.verb, path(route.template), { body: { [field.jsonName]: { not: "a string" } } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ code: 400, message: `${field.jsonName} has the wrong type` });
  });
});

it("covers the Hanko routes that take a body", () => {
  expect(routes.map((route) => route.template)).toEqual(expect.arrayContaining(["/users", "/user", "/passcode/login/initialize", "/passcode/login/finalize", "/password", "/password/login", "/token", "/emails", "/webauthn/registration/finalize", "/webauthn/login/initialize", "/webauthn/login/finalize", "/webauthn/credentials/{id}"]));
});
