import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { WebAuthnServiceService } from "../../gen/grpc-js/tessera/webauthn/v1/webauthn.js";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { accessPoint, apiKey, authfi, startAuthfiServer } from "../authfi/authfi-client.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startAuthfiServer();
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

// A NUL character passes JSON and protobuf but PostgreSQL refuses it in text: a client must
// get its API's 4xx for that, never a 500 that reads as a server fault.
describe("values the database refuses", () => {
  it("answer 400 in each API's error shape over REST", async () => {
    const hanko = await rest(server.url, "POST", "/users", { body: { email: "a\u0000b@example.com" } });
    expect(hanko.status).toBe(400);
    expect(hanko.json).toMatchObject({ code: 400 });
    const fido = await authfi(server, "POST", "/webauthn/registration", { params: { user: { name: "nul\u0000@example.com", displayName: "Nul" } } });
    expect(fido.status).toBe(400);
    expect(fido.json).toMatchObject({ code: 1002 });
    const verification = await authfi(server, "POST", "/webauthn/verification", { uId: "a\u0000b", params: {} });
    expect(verification.status).toBe(400);
    expect(verification.json).toMatchObject({ code: 1002 });
    expect(server.logs.some((line) => line.includes('"level":"error"'))).toBe(false);
  });

  it.each(rpcTransports)("answer InvalidArgument over %s", async (transport) => {
    const created = await callRpc(transport, server.url, IdentityService, IdentityServiceService, "CreateUser", { email: "b\u0000c@example.com" });
    expect(created).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "INVALID_FIELD" });
    const begun = await callRpc(transport, server.url, WebAuthnService, WebAuthnServiceService, "AuthfiBeginVerification", { accessPoint, uId: "x\u0000y" }, { "at-x-key": apiKey });
    expect(begun).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "INVALID_FIELD" });
  });
});
