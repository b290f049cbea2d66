import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticatorService } from "../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { VerifyService } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import { AuthenticatorServiceService } from "../../gen/grpc-js/tessera/authenticator/v1/authenticator.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { VerifyServiceService } from "../../gen/grpc-js/tessera/verify/v1/verify.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports, type RpcTransport } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { bearer, serviceToken, verifyJwtSecret } from "../jincor/jincor-client.js";
import { abuseEnv } from "./uses.js";

// The unauthenticated entry points that mail or guess are limited per client address, through
// the one limiter (src/transport/client-limit-gate.ts), over REST and every RPC transport. The
// server trusts one proxy (TRUST_PROXY=1), so each case is its own client by X-Forwarded-For.

const perMinute = 3;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ...abuseEnv, TRUST_PROXY: "1", CLIENT_RATE_LIMIT: String(perMinute) });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

type Via = "rest" | RpcTransport;
/** One call from the client `headers` name: whether it was refused by a rate limit (429 / RESOURCE_EXHAUSTED). */
type Send = (server: TestServer, via: Via, headers: Record<string, string>) => Promise<{ limited: boolean; shape: unknown }>;

function over(restCall: { method: string; path: () => string; body?: () => unknown }, rpc: { service: DescService; definition: grpc.ServiceDefinition; method: string; input: () => Record<string, unknown> }, extraHeaders: () => Promise<Record<string, string>> = async () => ({})): Send {
  return async (target, via, client) => {
    const headers = { ...(await extraHeaders()), ...client };
    if (via === "rest") {
      const answer = await rest(target.url, restCall.method, restCall.path(), { body: restCall.body?.(), headers });
      return { limited: answer.status === 429, shape: { status: answer.status, body: answer.json } };
    }
    const answer = await callRpc(via, target.url, rpc.service, rpc.definition, rpc.method, rpc.input(), headers);
    return { limited: !answer.ok && answer.code === Code.ResourceExhausted, shape: answer.ok ? { ok: true } : { code: answer.code, reason: answer.reason } };
  };
}

const email = () => `client-limit-${randomUUID()}@example.com`;
const jincorAuth = async () => bearer(await serviceToken(verifyJwtSecret, "1h"));

const entryPoints: Array<[string, Send]> = [
  ["Hanko passcode initialize", over({ method: "POST", path: () => "/passcode/login/initialize", body: () => ({ user_id: randomUUID() }) }, { service: VerifyService, definition: VerifyServiceService, method: "InitializePasscodeLogin", input: () => ({ userId: randomUUID() }) })],
  ["Hanko password login", over({ method: "POST", path: () => "/password/login", body: () => ({ user_id: randomUUID(), password: "a wrong password" }) }, { service: SessionService, definition: SessionServiceService, method: "LoginWithPassword", input: () => ({ userId: randomUUID(), password: "a wrong password" }) })],
  ["Authenticator sign-up", over({ method: "POST", path: () => "/api/v1/signup", body: () => ({ email: "not an address", password: "a password 1" }) }, { service: AuthenticatorService, definition: AuthenticatorServiceService, method: "SignUp", input: () => ({ email: "not an address", password: "a password 1" }) })],
  ["Authenticator login", over({ method: "POST", path: () => "/api/v1/login", body: () => ({ email: email(), password: "a wrong password" }) }, { service: AuthenticatorService, definition: AuthenticatorServiceService, method: "LogIn", input: () => ({ email: email(), password: "a wrong password" }) })],
  ["Jincor initiate", over({ method: "POST", path: () => "/methods/email/actions/initiate", body: () => ({ consumer: "" }) }, { service: VerifyService, definition: VerifyServiceService, method: "InitiateVerification", input: () => ({ method: "email", consumer: "" }) }, jincorAuth)],
  ["Authentiq revoke by email", over({ method: "DELETE", path: () => `/key?${new URLSearchParams({ email: email(), phone: "+4917000000000" })}` }, { service: IdentityService, definition: IdentityServiceService, method: "RevokeKeyByContact", input: () => ({ email: email(), phone: "+4917000000000", code: "" }) })],
];

let clients = 0;
/** A client address no other case uses. */
const newClient = () => {
  clients += 1;
  return { "x-forwarded-for": `198.51.${Math.floor(clients / 250)}.${(clients % 250) + 1}` };
};

const cases = entryPoints.flatMap(([name, send]) => (["rest", ...rpcTransports] as const).map((via) => [name, via, send] as const));

describe.each(cases)("%s over %s, per client address", (_name, via, send) => {
  it(`lets ${perMinute} calls of one address through, refuses the next, and counts another address apart`, async () => {
    const client = newClient();
    const first = [];
    for (let i = 0; i < perMinute; i++) first.push(await send(server, via, client));
    expect(first.map((answer) => answer.limited)).toEqual(Array(perMinute).fill(false));
    const over = await send(server, via, client);
    expect(over.limited, JSON.stringify(over.shape)).toBe(true);
    expect((await send(server, via, newClient())).limited).toBe(false);
  });
});

describe("the client address", () => {
  it("is not taken from an X-Forwarded-For entry the client wrote left of the proxy's", async () => {
    const [, send] = entryPoints[0]!;
    const proxied = { "x-forwarded-for": "203.0.113.77" };
    for (let i = 0; i < perMinute; i++) await send(server, "rest", proxied);
    // The client prepends made-up addresses: the proxy's entry (the last) is still 203.0.113.77.
    const spoofed = await send(server, "rest", { "x-forwarded-for": "6.6.6.6, 203.0.113.77" });
    expect(spoofed.limited).toBe(true);
  });
});

describe("without TRUST_PROXY", () => {
  let direct: TestServer;
  beforeAll(async () => {
    direct = await startTestServer({ ...abuseEnv, CLIENT_RATE_LIMIT: String(perMinute) });
  });
  afterAll(async () => {
    await direct?.close();
  });

  it("counts every call from the socket's address as one client, whatever X-Forwarded-For says, over every transport", async () => {
    const [, send] = entryPoints[0]!;
    const vias = ["rest", ...rpcTransports] as const;
    const answers = [];
    // One counter for the one socket address: REST and each RPC transport in turn, each with another forwarded address.
    for (let i = 0; i < perMinute + vias.length; i++) answers.push((await send(direct, vias[i % vias.length]!, newClient())).limited);
    expect(answers).toEqual([...Array(perMinute).fill(false), ...Array(vias.length).fill(true)]);
  });
});
