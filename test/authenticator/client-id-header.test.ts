import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticatorService } from "../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { AuthenticatorServiceService } from "../../gen/grpc-js/tessera/authenticator/v1/authenticator.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports, type RpcTransport } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";
import { codeSent, freshEmail, type Sinks, startWithSinks } from "./authenticator-client.js";

const browserOrigin = "https://app.example.com";
let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks({ CORS_ORIGINS: browserOrigin }));
});
afterAll(async () => {
  closeGrpcClients();
  await stop?.();
});

// A browser's Connect or gRPC-Web client cannot set `cookie`: without another way to send the
// client id, such clients could never use a token at all.
describe.each(rpcTransports)("the client id in x-client-id over %s", (transport: RpcTransport) => {
  const call = (method: string, input: Record<string, unknown>, headers: Record<string, string> = {}) =>
    callRpc(transport, server.url, AuthenticatorService, AuthenticatorServiceService, method, input, headers);

  it("carries a whole sign-up and token check without a cookie, and a foreign client id is refused", async () => {
    const email = freshEmail();
    const started = await call("SignUp", { email });
    if (!started.ok) throw new Error(started.message);
    const header = (token: unknown, clientId: unknown) => ({ authorization: `Bearer ${String(token)}`, "x-client-id": String(clientId) });
    const verified = await call("VerifySignUp", { code: await codeSent(sinks, email, 0) }, header(started.output.token, started.output.clientID));
    if (!verified.ok) throw new Error(verified.message);
    expect(await call("VerifyToken", {}, header(verified.output.token, verified.output.clientID))).toMatchObject({ ok: true, output: { state: "authorized" } });
    expect(await call("VerifyToken", {}, header(verified.output.token, "someone else"))).toMatchObject({
      ok: false,
      code: Code.Unauthenticated,
      reason: "INVALID_TOKEN",
    });
  });
});

describe("CORS preflight", () => {
  it("allows a browser to send x-client-id", async () => {
    const preflight = await rest(server.url, "OPTIONS", "/tessera.authenticator.v1.AuthenticatorService/VerifyToken", {
      headers: { origin: browserOrigin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization,x-client-id" },
    });
    expect(preflight.status).toBe(204);
    expect(String(preflight.headers["access-control-allow-headers"]).toLowerCase().split(/,\s*/)).toContain("x-client-id");
  });
});
