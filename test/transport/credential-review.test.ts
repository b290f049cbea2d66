import { randomBytes } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticatorService } from "../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { AuthenticatorServiceService } from "../../gen/grpc-js/tessera/authenticator/v1/authenticator.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { createSessionTokens } from "../../src/core/session/session-token.service.js";
import { hankoSessionPolicy } from "../../src/products/hanko/policy.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createSessionStore } from "../../src/store/session/session.store.js";
import { api, auth, signUpVerified, startWithSinks, type Sinks } from "../authenticator/authenticator-client.js";
import { accessPoint, apiKey, createAccessPoint } from "../authfi/authfi-client.js";
import { freshEmail } from "../hanko/hanko-client.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";

// Review of issue 14 (credentials): cases the refusal table does not reach. Each states what
// must hold over REST and every RPC transport.

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
let hankoToken: string;

beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks({ AUTHFI_ACCESS_POINT: accessPoint, AUTHFI_API_KEY: apiKey }));
  const user = await rest(server.url, "POST", "/users", { body: { email: freshEmail() } });
  expect(user.status, user.text).toBe(200);
  const sessions = createSessionTokens({ store: createSessionStore(server.app.database.db, defaultTenantId), keys: server.app.keys, lifetime: 3600, policy: hankoSessionPolicy });
  hankoToken = (await sessions.issue((user.json as { user_id: string }).user_id)).token;
});

afterAll(async () => {
  closeGrpcClients();
  await stop?.();
});

const invalidToken = { code: Code.Unauthenticated, reason: "INVALID_TOKEN" };

describe("an Authenticator RPC given a foreign bearer with the right client id", () => {

  // The table's "hanko's credential" case carries no CLIENTID, so it is refused before the JWT
  // is even read; here the client id is right and only the token is foreign.
  it("refuses a Hanko session JWT bound to nothing, over REST and every RPC transport", async () => {
    const account = await signUpVerified(server, sinks);
    const headers = { authorization: `Bearer ${hankoToken}`, cookie: `CLIENTID=${account.clientId}` };
    expect((await api(server, "GET", "/token/verify", { headers })).status).toBe(401);
    for (const transport of rpcTransports) {
      expect(await callRpc(transport, server.url, AuthenticatorService, AuthenticatorServiceService, "verifyToken", {}, headers)).toMatchObject({ ok: false, ...invalidToken });
    }
  });
});

describe("a revoked Authenticator token", () => {

  it("is refused over REST and every RPC transport once revoked", async () => {
    const mine = await signUpVerified(server, sinks);
    const tokenId = JSON.parse(Buffer.from(mine.token.split(".")[1]!, "base64url").toString()).jti as string;
    expect((await api(server, "GET", "/token/verify", { headers: auth(mine) })).status).toBe(200);
    expect((await api(server, "POST", `/token/${tokenId}`, { headers: auth(mine) })).status).toBe(200);
    expect((await api(server, "GET", "/token/verify", { headers: auth(mine) })).status).toBe(401);
    for (const transport of rpcTransports) {
      expect(await callRpc(transport, server.url, AuthenticatorService, AuthenticatorServiceService, "verifyToken", {}, auth(mine))).toMatchObject({ ok: false, ...invalidToken });
    }
  });

  it("binds the x-client-id over REST too: a foreign one refused, the cookie first", async () => {
    const account = await signUpVerified(server, sinks);
    const bearer = { authorization: `Bearer ${account.token}` };
    expect((await api(server, "GET", "/token/verify", { headers: { ...bearer, "x-client-id": account.clientId } })).status).toBe(200);
    expect((await api(server, "GET", "/token/verify", { headers: { ...bearer, "x-client-id": "someone else" } })).status).toBe(401);
    expect((await api(server, "GET", "/token/verify", { headers: { ...bearer, cookie: "CLIENTID=someone-else", "x-client-id": account.clientId } })).status).toBe(401);
  });
});

describe("an AuthFi key of access point A on access point B", () => {
  it("is refused 1000 / AUTHFI_UNAUTHENTICATED over REST and every RPC transport, both ways", async () => {
    const other = await createAccessPoint(server, { slug: `other${randomBytes(4).toString("hex")}` });
    const pairs: Array<[string, string]> = [
      [accessPoint, other.apiKey],
      [other.slug, apiKey],
    ];
    for (const [slug, key] of pairs) {
      expect(await rest(server.url, "GET", `/${slug}/api/v1/users`, { headers: { "at-x-key": key } })).toMatchObject({ status: 401, json: { code: 1000 } });
      for (const transport of rpcTransports) {
        expect(await callRpc(transport, server.url, IdentityService, IdentityServiceService, "authfiListUsers", { accessPoint: slug }, { "at-x-key": key })).toMatchObject({
          ok: false,
          code: Code.Unauthenticated,
          reason: "AUTHFI_UNAUTHENTICATED",
        });
      }
    }
  });
});

describe("a Hanko session after logout", () => {
  it("is refused over REST and every RPC transport", async () => {
    const user = await rest(server.url, "POST", "/users", { body: { email: freshEmail() } });
    const sessions = createSessionTokens({ store: createSessionStore(server.app.database.db, defaultTenantId), keys: server.app.keys, lifetime: 3600, policy: hankoSessionPolicy });
    const { token } = await sessions.issue((user.json as { user_id: string }).user_id);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await rest(server.url, "GET", "/me", { headers: bearer })).status).toBe(200);
    expect((await rest(server.url, "POST", "/logout", { headers: bearer })).status).toBe(204);
    expect((await rest(server.url, "GET", "/me", { headers: bearer })).status).toBe(401);
    for (const transport of rpcTransports) {
      expect(await callRpc(transport, server.url, IdentityService, IdentityServiceService, "getCurrentUser", {}, bearer)).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "UNAUTHENTICATED" });
      expect(await callRpc(transport, server.url, SessionService, SessionServiceService, "logout", {}, bearer)).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "UNAUTHENTICATED" });
    }
  });
});
