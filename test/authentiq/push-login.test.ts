import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScopeServiceService } from "../../gen/grpc-js/tessera/scope/v1/scope.js";
import { ScopeService } from "../../gen/es/tessera/scope/v1/scope_pb.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";
import { badJwts, newIdentity, register, selfSigned, sendJwt, type Identity } from "./authentiq-client.js";

let server: TestServer;
let push: WebhookSink;
beforeAll(async () => {
  push = await startWebhookSink();
  server = await startTestServer({ PUSH_WEBHOOK_URL: push.url });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
  await push?.close();
});

const app = "https://app.example.com";
const devtokenOf = (id: Identity) => `device-${id.pk.slice(0, 8)}`;
/** A PushToken of `id` for the app, `claims` on top. */
const pushToken = (id: Identity, claims: Record<string, unknown> = {}, signer = id.privateKey) => {
  const now = Math.floor(Date.now() / 1000);
  return selfSigned(id, { iss: app, aud: `${app}/auth/`, iat: now, nbf: now, exp: now + 120, ...claims }, signer);
};
const login = (callback: string, jwt: string) => sendJwt(server.url, "POST", `/login?callback=${encodeURIComponent(callback)}`, jwt);

describe("Authentiq POST /login (push sign-in) over REST", () => {
  it("pushes to the key's device token and answers sent", async () => {
    const id = newIdentity();
    await register(server.url, id);
    const jwt = await pushToken(id);
    const sent = await login(`${app}/auth/callback?state=1`, jwt);
    expect(sent.status, sent.text).toBe(200);
    expect(sent.json).toEqual({ status: "sent" });
    const call = await push.waitFor(devtokenOf(id));
    expect(JSON.parse(call.body.body)).toEqual({ type: "login", callback: `${app}/auth/callback?state=1`, jwt });
  });

  // Issue 13: a message is retried only while what it carries is valid.
  it("gives the push the PushToken's expiry in the outbox, or five minutes without exp", async () => {
    const expiryOf = async (id: Identity) => (await server.app.database.db.selectFrom("outbox").select("expires_at").where("recipient", "=", devtokenOf(id)).executeTakeFirstOrThrow()).expires_at;
    const withExp = newIdentity();
    await register(server.url, withExp);
    const exp = Math.floor(Date.now() / 1000) + 120;
    expect((await login(`${app}/auth/cb`, await pushToken(withExp, { exp }))).status).toBe(200);
    expect((await expiryOf(withExp))?.getTime()).toBe(exp * 1000);
    const withoutExp = newIdentity();
    await register(server.url, withoutExp);
    const before = Date.now();
    expect((await login(`${app}/auth/cb`, await pushToken(withoutExp, { exp: undefined }))).status).toBe(200);
    const expiry = (await expiryOf(withoutExp))?.getTime() ?? 0;
    expect(expiry).toBeGreaterThanOrEqual(before + 299_000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 301_000);
  });

  it("refuses a callback outside the audience with 401 aud-error and pushes nothing", async () => {
    const id = newIdentity();
    await register(server.url, id);
    const jwt = await pushToken(id);
    for (const callback of ["https://evil.example.com/auth/cb", `${app}.evil.com/auth/cb`, "http://app.example.com/auth/cb", `${app}/other`, `${app}/authx`, "https://user@app.example.com/auth/cb"]) {
      const response = await login(callback, jwt);
      expect(response.status, callback).toBe(401);
      expect(response.json, callback).toMatchObject({ error: 401, title: "aud-error", type: "aud-error" });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(push.calls.some((call) => call.body.to === devtokenOf(id))).toBe(false);
  });

  it("refuses tokens not self-signed by their sub (401 auth-error), bad tokens, and missing claims or callback", async () => {
    const id = newIdentity();
    await register(server.url, id);
    const foreign = await login(`${app}/auth/cb`, await pushToken(id, {}, newIdentity().privateKey));
    expect(foreign.status).toBe(401);
    expect(foreign.json).toMatchObject({ error: 401, title: "auth-error", type: "auth-error" });
    for (const [name, jwt, status] of await badJwts(id, { iss: app, aud: app })) {
      const response = await login(`${app}/cb`, jwt);
      expect(response.status, name).toBe(status);
      expect(response.json, name).toMatchObject({ error: status });
    }
    expect((await login(`${app}/auth/cb`, await pushToken(id, { iss: undefined }))).status).toBe(400);
    expect((await login(`${app}/auth/cb`, await pushToken(id, { aud: undefined }))).status).toBe(400);
    expect((await sendJwt(server.url, "POST", "/login", await pushToken(id))).status).toBe(400);
    expect((await login("not a uri", await pushToken(id))).status).toBe(400);
    expect((await rest(server.url, "POST", "/login?callback=x", { body: { sub: id.pk } })).status).toBe(415);
  });

  it("answers 404 unknown-key for an unregistered key and 410 revoked-key for a revoked one", async () => {
    const stranger = newIdentity();
    const unknown = await login(`${app}/auth/cb`, await pushToken(stranger));
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ type: "unknown-key" });
    const id = newIdentity();
    const secret = await register(server.url, id);
    expect((await rest(server.url, "DELETE", `/key/${id.pk}?secret=${secret}`)).status).toBe(200);
    const revoked = await login(`${app}/auth/cb`, await pushToken(id));
    expect(revoked.status).toBe(410);
    expect(revoked.json).toMatchObject({ type: "revoked-key" });
  });
});

describe.each(rpcTransports)("Authentiq push sign-in over %s", (transport) => {
  const scope = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, ScopeService, ScopeServiceService, method, input);

  it("sends the push, and refuses a foreign audience and a foreign signature", async () => {
    const id = newIdentity();
    await register(server.url, id);
    expect(await scope("PushLogin", { callback: `${app}/auth/cb`, jwt: await pushToken(id) })).toEqual({ ok: true, output: { status: "sent" } });
    expect(JSON.parse((await push.waitFor(devtokenOf(id))).body.body)).toMatchObject({ callback: `${app}/auth/cb` });
    expect(await scope("PushLogin", { callback: "https://evil.example.com/", jwt: await pushToken(id) })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "AUD_ERROR" });
    expect(await scope("PushLogin", { callback: `${app}/auth/cb`, jwt: await pushToken(id, {}, newIdentity().privateKey) })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "AUTH_ERROR" });
  });
});
