import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminCall, adminKey, adminTransports } from "./admin-client.js";

// PostgreSQL only: the admin API's database goes through a fault proxy that the test switches off.
const url = process.env.TEST_DATABASE_URL;
if (url === undefined) process.stderr.write("test/admin/database-outage: skipped: set TEST_DATABASE_URL to run it on PostgreSQL\n");

const databaseName = `tessera_admin_outage_${randomBytes(4).toString("hex")}`;
let proxy: FaultProxy;
let server: TestServer;
let admin: pg.Client;

describe.runIf(url !== undefined)("the admin API while the database is down", () => {
  beforeAll(async () => {
    const target = new URL(url!);
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${databaseName}`);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port) });
    const proxied = new URL(url!);
    proxied.port = String(proxy.port);
    proxied.pathname = `/${databaseName}`;
    server = await startTestServer({ DATABASE_URL: proxied.toString(), ADMIN_API_KEY: adminKey });
  }, 60_000);

  afterAll(async () => {
    closeGrpcClients();
    await server?.close();
    await proxy?.close();
    await admin?.query(`drop database if exists ${databaseName} with (force)`).catch(() => undefined);
    await admin?.end();
  });

  it("answers unavailable (REST 503 with Retry-After) over every transport, then serves again once it is back", async () => {
    const created = await rest(server.url, "POST", "/users", { body: { email: `outage-${randomBytes(4).toString("hex")}@example.com` } });
    const userId = (created.json as { user_id: string }).user_id;
    proxy.setMode("down");
    proxy.cut();
    try {
      for (const transport of adminTransports) {
        expect(await adminCall(transport, server, "getUser", { userId }), transport).toMatchObject({ ok: false, error: "unavailable" });
      }
      const answer = await rest(server.app.adminUrl, "GET", `/admin/users/${userId}`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(answer).toMatchObject({ status: 503, json: { error: "unavailable" } });
      expect(answer.headers["retry-after"]).toBeDefined();
    } finally {
      proxy.setMode("pass");
    }
    await expect.poll(async () => (await adminCall("grpc", server, "getUser", { userId })).ok, { timeout: 10_000, interval: 250 }).toBe(true);
  });
});
