import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { b64, newIdentity, selfSigned as signedBy, sendJwt, type Identity } from "./authentiq-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({});
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

const postJwt = (body: string) => sendJwt(server.url, "POST", "/key", body);
/** A registration JWT of `id` with `claims` on top, signed by `signer`. */
const selfSigned = (id: Identity, claims: Record<string, unknown> = {}, signer = id.privateKey) => signedBy(id, { devtoken: "device-token-1", ...claims }, signer);

describe("Authentiq keys over REST", () => {
  it("registers a self-signed key, answers its status on GET and HEAD, and refuses a duplicate", async () => {
    const id = newIdentity();
    const created = await postJwt(await selfSigned(id));
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ status: "registered", secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });

    const got = await rest(server.url, "GET", `/key/${id.pk}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({ sub: id.pk, since: expect.any(String), status: "registered" });
    expect(Date.parse((got.json as { since: string }).since)).not.toBeNaN();

    const head = await rest(server.url, "HEAD", `/key/${id.pk}`);
    expect(head.status).toBe(200);
    expect(head.text).toBe("");

    const again = await postJwt(await selfSigned(id));
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: 409, title: "duplicate-key", type: "duplicate-key" });
  });

  it("answers an unknown key with 404 unknown-key on GET and HEAD, and a malformed key with 400", async () => {
    const id = newIdentity();
    const got = await rest(server.url, "GET", `/key/${id.pk}`);
    expect(got.status).toBe(404);
    expect(got.json).toMatchObject({ error: 404, title: "unknown-key", type: "unknown-key", detail: expect.any(String) });
    expect((await rest(server.url, "HEAD", `/key/${id.pk}`)).status).toBe(404);
    const bad = await rest(server.url, "GET", "/key/not-a-key");
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 400 });
  });

  it("refuses bad JWTs and stores nothing", async () => {
    const id = newIdentity();
    const other = newIdentity();
    const good = await selfSigned(id);
    const [h, p, s] = good.split(".") as [string, string, string];
    const cases: Array<[string, string, number[]]> = [
      ["alg none", `${b64({ alg: "none" })}.${p}.`, [400, 401]],
      ["tampered", `${h}.${b64({ sub: id.pk, devtoken: "other" })}.${s}`, [401]],
      ["wrong key", await selfSigned(id, {}, other.privateKey), [401]],
      ["expired", await selfSigned(id, { exp: Math.floor(Date.now() / 1000) - 60 }), [401]],
      ["missing devtoken", await selfSigned(id, { devtoken: undefined }), [400]],
      ["not a JWT", "hello", [400]],
      ["JSON body", JSON.stringify({ sub: id.pk }), [400]],
    ];
    for (const [name, body, statuses] of cases) {
      const response = await postJwt(body);
      expect(statuses, name).toContain(response.status);
      expect(response.json, name).toMatchObject({ error: response.status, type: expect.any(String) });
    }
    const json = await rest(server.url, "POST", "/key", { body: { sub: id.pk } });
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.status).toBeLessThan(500);
    expect((await rest(server.url, "GET", `/key/${id.pk}`)).status).toBe(404);
  });
});

describe("Authentiq key revocation over REST", () => {
  it("revokes with the secret; a wrong secret is 401 auth-error and the key survives; then 410 revoked-key", async () => {
    const id = newIdentity();
    const { secret } = (await postJwt(await selfSigned(id))).json as { secret: string };
    const wrong = await rest(server.url, "DELETE", `/key/${id.pk}?secret=wrong-secret`);
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: 401, title: "auth-error", type: "auth-error" });
    expect((await rest(server.url, "GET", `/key/${id.pk}`)).status).toBe(200);

    const revoked = await rest(server.url, "DELETE", `/key/${id.pk}?secret=${secret}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toEqual({ status: "done" });
    const got = await rest(server.url, "GET", `/key/${id.pk}`);
    expect(got.status).toBe(410);
    expect(got.json).toMatchObject({ error: 410, title: "revoked-key", type: "revoked-key" });
    expect((await rest(server.url, "HEAD", `/key/${id.pk}`)).status).toBe(410);
    expect((await rest(server.url, "DELETE", `/key/${id.pk}?secret=${secret}`)).status).toBe(410);
    expect((await rest(server.url, "DELETE", `/key/${newIdentity().pk}?secret=${secret}`)).status).toBe(404);
  });
});

describe.each(rpcTransports)("Authentiq keys over %s", (transport) => {
  const identity = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, IdentityService, IdentityServiceService, method, input);

  it("registers and reads a key; duplicate, unknown and bad signature are refused", async () => {
    const id = newIdentity();
    const created = await identity("RegisterKey", { jwt: await selfSigned(id) });
    expect(created).toEqual({ ok: true, output: { status: "registered", secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) } });
    const got = await identity("GetKey", { pk: id.pk });
    expect(got).toEqual({ ok: true, output: { sub: id.pk, since: expect.any(String), status: "registered" } });
    expect(await identity("RegisterKey", { jwt: await selfSigned(id) })).toMatchObject({ ok: false, code: Code.AlreadyExists, reason: "DUPLICATE_KEY" });
    expect(await identity("GetKey", { pk: newIdentity().pk })).toMatchObject({ ok: false, code: Code.NotFound, reason: "UNKNOWN_KEY" });
    const other = newIdentity();
    expect(await identity("RegisterKey", { jwt: await selfSigned(other, {}, id.privateKey) })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "AUTH_ERROR" });
    expect(await identity("GetKey", { pk: other.pk })).toMatchObject({ ok: false, reason: "UNKNOWN_KEY" });
    const secret = (created as unknown as { output: { secret: string } }).output.secret;
    expect(await identity("RevokeKey", { pk: id.pk, secret: "nope" })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "AUTH_ERROR" });
    expect(await identity("RevokeKey", { pk: id.pk, secret })).toEqual({ ok: true, output: { status: "done" } });
    expect(await identity("GetKey", { pk: id.pk })).toMatchObject({ ok: false, reason: "REVOKED_KEY" });
  });
});
