import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../../gen/es/tessera/admin/v1/admin_pb.js";
import { AdminServiceService } from "../../gen/grpc-js/tessera/admin/v1/admin.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminCall, adminKey, adminTransports } from "./admin-client.js";

let server: TestServer;
let unset: TestServer;

beforeAll(async () => {
  [server, unset] = await Promise.all([startTestServer({ ADMIN_API_KEY: adminKey }), startTestServer()]);
});
afterAll(async () => {
  closeGrpcClients();
  await Promise.all([server?.close(), unset?.close()]);
});

// An admin key guessed, truncated, extended or sent under another scheme opens nothing.
const refusals: Array<{ name: string; key: string | null; header?: string }> = [
  { name: "no key", key: null },
  { name: "a wrong key of the same length", key: adminKey.replace(/.$/, (last) => (last === "f" ? "e" : "f")) },
  { name: "the key with a character more", key: `${adminKey}0` },
  { name: "a prefix of the key", key: adminKey.slice(0, 16) },
  { name: "an empty bearer token", key: "" },
];

describe.each(adminTransports)("the admin key over %s", (transport) => {
  it("lets a call with the key through", async () => {
    const result = await adminCall(transport, server, "listUsers", { pageSize: 1 });
    expect(result).toMatchObject({ ok: true, output: { users: expect.any(Array) } });
  });

  it.each(refusals)("refuses $name with unauthenticated", async ({ key }) => {
    const result = await adminCall(transport, server, "listUsers", {}, key);
    const detail = transport === "rest" ? { status: 401 } : { reason: "ADMIN_KEY_INVALID" };
    expect(result).toMatchObject({ ok: false, error: "unauthenticated", ...detail });
  });

  it("refuses every call, the key included, while ADMIN_API_KEY is unset, and says why", async () => {
    const result = await adminCall(transport, unset, "getUser", { userId: "00000000-0000-4000-8000-000000000000" }, adminKey);
    expect(result).toMatchObject({ ok: false, error: "unauthenticated", message: expect.stringContaining("ADMIN_API_KEY is not set") });
  });

  it("checks the key before the input: a bad request without the key learns nothing", async () => {
    const result = await adminCall(transport, server, "getUser", { userId: "not-a-uuid" }, null);
    expect(result).toMatchObject({ ok: false, error: "unauthenticated" });
  });
});

describe("where the admin API is served", () => {
  it("refuses the key under another scheme than Bearer", async () => {
    const basic = await rest(server.app.adminUrl, "GET", "/admin/users", { headers: { authorization: `Basic ${Buffer.from(`admin:${adminKey}`).toString("base64")}` } });
    expect(basic).toMatchObject({ status: 401, json: { error: "unauthenticated" } });
  });

  it("is not on the main port, over REST or RPC", async () => {
    const viaRest = await rest(server.url, "GET", "/admin/users", { headers: { authorization: `Bearer ${adminKey}` } });
    expect(viaRest.status).toBe(404);
    const viaGrpc = await callRpc("grpc", server.url, AdminService, AdminServiceService, "listUsers", {}, { authorization: `Bearer ${adminKey}` });
    expect(viaGrpc).toMatchObject({ ok: false, code: Code.Unimplemented });
  });

  it("says in the start-up log that the admin API is disabled and why, or enabled with the key's id and never the key", () => {
    expect(unset.logs.join("")).toMatch(/admin API disabled: ADMIN_API_KEY is not set/);
    const enabled = server.logs.find((line) => line.includes("admin API enabled"));
    expect(enabled).toMatch(/"adminKeyId":"[0-9a-f]{8}"/);
    expect(server.logs.join("")).not.toContain(adminKey);
  });

  it("documents every admin REST route, with the admin key scheme, in the management port's OpenAPI documents", async () => {
    for (const path of ["/openapi.json", "/openapi/admin.json"]) {
      const document = (await rest(server.app.adminUrl, "GET", path)).json as { paths: Record<string, Record<string, { security?: unknown }>>; components: { securitySchemes: Record<string, unknown> } };
      expect(Object.keys(document.paths), path).toEqual(expect.arrayContaining(["/admin/users", "/admin/users/{user_id}", "/admin/users/{user_id}/lock", "/admin/users/{user_id}/sessions/{session_id}", "/admin/users/{user_id}/credentials/{credential_id}", "/admin/tokens/introspect"]));
      expect(document.paths["/admin/tokens/introspect"]?.post?.security, path).toEqual([{ adminApiKey: [] }]);
      expect(document.components.securitySchemes.adminApiKey, path).toMatchObject({ type: "http", scheme: "bearer" });
    }
  });

  it("answers an unknown admin path in the admin dialect", async () => {
    const missing = await rest(server.app.adminUrl, "GET", "/admin/nothing-here", { headers: { authorization: `Bearer ${adminKey}` } });
    expect(missing).toMatchObject({ status: 404, json: { error: "not_found", message: expect.any(String) } });
  });
});
