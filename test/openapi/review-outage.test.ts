import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/log.js";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.js";
import { rest, type RestResponse } from "../harness/rest.js";
import { mismatches } from "./conformance.js";

/**
 * Review probe (PostgreSQL only): with the database unreachable, the answers of a few routes
 * per product against what the document says of them (503 with Retry-After, the dialect's body).
 */
const target = process.env.TEST_DATABASE_URL;
let app: App;
let proxy: FaultProxy;
const databaseName = `openapi_outage_${process.pid}`;

describe.runIf(target !== undefined)("a database outage against the document (review probe)", () => {
  beforeAll(async () => {
    const url = new URL(target!);
    const admin = new pg.Client({ connectionString: target });
    await admin.connect();
    await admin.query(`drop database if exists ${databaseName}`);
    await admin.query(`create database ${databaseName}`);
    await admin.end();
    proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port) });
    const config = loadConfig({
      PORT: "0",
      DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/${databaseName}`,
      TESSERA_SECRET_KEY: randomBytes(32).toString("hex"),
      VERIFY_JWT_SECRET: "jincor-test-secret-that-is-long-enough",
    });
    app = await startApp(config, { logger: createLogger("error", () => undefined), host: "127.0.0.1" });
  }, 60_000);
  afterAll(async () => {
    await app?.close(1_000);
    await proxy?.close();
    const admin = new pg.Client({ connectionString: target });
    await admin.connect();
    await admin.query(`drop database if exists ${databaseName} with (force)`);
    await admin.end();
  });

  it("answers as documented while PostgreSQL is down", async () => {
    proxy.setMode("down");
    proxy.cut();
    const calls: Array<[string, string, RestResponse]> = [];
    const call = async (verb: string, template: string, path: string, options: Parameters<typeof rest>[3] = {}) => {
      calls.push([verb, template, await rest(app.url, verb, path, options)]);
    };
    await call("GET", "/", "/");
    await call("POST", "/users", "/users", { body: { email: "outage@example.com" } });
    await call("POST", "/passcode/login/initialize", "/passcode/login/initialize", { body: { user_id: "4b9a7e43-7c55-4b8a-9a0e-6c6f1c3d2e10" } });
    await call("GET", "/key/{pk}", "/key/YBtbMvwcUTwpCRKDA7HJcJNg3umT37jVI98PKgBetuE");
    await call("POST", "/api/v1/login", "/api/v1/login", { body: { email: "outage@example.com", password: "correct horse battery" } });
    await call("GET", "/{access_point}/api/v1/users", "/abcdefgh0123456789/api/v1/users", { headers: { "AT-X-KEY": "VHJ5IGEgc2FtcGxlIEFQSSBrZXk" } });
    if (process.env.REVIEW_DEBUG) console.log(calls.map(([v, t, a]) => `${v} ${t} ${a.status} retry-after=${String(a.headers["retry-after"])} ${a.text.slice(0, 120)}`).join("\n"));
    expect(calls.flatMap(([verb, template, answer]) => mismatches(verb, template, answer))).toEqual([]);
  }, 60_000);
});
