import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/log.js";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";

const url = process.env.TEST_DATABASE_URL;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const databaseName = `tessera_listen_${process.pid}`;

let proxy: FaultProxy;
let sms: WebhookSink;
let app: App;
let admin: pg.Client;
let direct: pg.Client;

// Issue 13, point 5: "LISTEN reconnects with backoff for as long as the process lives". The
// outage suite cannot see it: the 1 s poll delivers whether LISTEN came back or not. With the
// poll out of the way (60 s), only a NOTIFY from another replica can wake this one.
describe.runIf(url !== undefined)("LISTEN after a database outage", () => {
  beforeAll(async () => {
    const target = new URL(url!);
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${databaseName}`);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port) });
    sms = await startWebhookSink();
    const config = loadConfig({
      PORT: "0",
      ADMIN_PORT: "0",
      DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/${databaseName}`,
      TESSERA_SECRET_KEY: randomBytes(32).toString("hex"),
      SMS_WEBHOOK_URL: `${sms.url}/sms`,
    });
    app = await startApp(config, { logger: createLogger("error"), host: "127.0.0.1", outbox: { pollMs: 60_000 } });
    const other = new URL(url!);
    other.pathname = `/${databaseName}`;
    direct = new pg.Client({ connectionString: other.href });
    await direct.connect();
  }, 60_000);
  afterAll(async () => {
    await app?.close(1_000);
    await direct?.end().catch(() => undefined);
    await proxy?.close();
    await sms?.close();
    await admin?.query(`drop database if exists ${databaseName} with (force)`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
  });

  /** Enqueues an SMS as another replica would: straight into the table, then NOTIFY. */
  async function enqueueElsewhere(recipient: string): Promise<number> {
    await direct.query(`insert into outbox (tenant_id, channel, recipient, subject, body) select id, 'sms', $1, '', 'hello' from tenants limit 1`, [recipient]);
    await direct.query(`select pg_notify('tessera_outbox', '')`);
    return Date.now();
  }

  it("wakes on another replica's NOTIFY before the outage", async () => {
    const at = await enqueueElsewhere("+15552000");
    expect((await sms.waitFor("+15552000", 5_000)).receivedAt - at).toBeLessThan(2_000);
  });

  it("wakes on another replica's NOTIFY again after 3 s of refused connections", async () => {
    proxy.setMode("refuse");
    proxy.cut();
    await sleep(3_000);
    proxy.setMode("pass");
    // The reconnection backoff is at 4 s by then.
    await sleep(6_000);
    const at = await enqueueElsewhere("+15552001");
    expect((await sms.waitFor("+15552001", 5_000)).receivedAt - at).toBeLessThan(2_000);
  }, 30_000);
});
