import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/log.js";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.js";
import { startPgCluster, type PgCluster } from "../harness/pg-cluster.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startMixedLoad } from "./mixed-load.js";

const enabled = Boolean(process.env.TEST_DATABASE_URL);
if (!enabled) process.stderr.write("test/faults/database-outage: skipped: set TEST_DATABASE_URL to run the PostgreSQL fault suite (it starts a cluster of its own)\n");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let cluster: PgCluster;
let proxy: FaultProxy;
let smtp: SmtpSink;
let admin: pg.Client;
const replicas: Array<{ app: App; logs: string[] }> = [];
const databaseName = "tessera_faults";

/** A query straight to the cluster (not through the proxy), retried while it restarts. */
async function direct<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: cluster.url.replace(/\/postgres$/, `/${databaseName}`), connectionTimeoutMillis: 2_000 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      return (await client.query<T>(text)).rows;
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(250);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

describe.runIf(enabled)("two replicas under a mixed load while PostgreSQL fails", () => {
  beforeAll(async () => {
    [cluster, smtp] = await Promise.all([startPgCluster(), startSmtpSink()]);
    proxy = await startFaultProxy({ host: "127.0.0.1", port: cluster.port });
    admin = new pg.Client({ connectionString: cluster.url });
    admin.on("error", () => undefined);
    await admin.connect();
    await admin.query(`create database ${databaseName}`);
    const secret = randomBytes(32).toString("hex");
    for (let replica = 0; replica < 2; replica++) {
      const logs: string[] = [];
      const logger = createLogger("info", (line) => {
        logs.push(line);
        if (process.env.TEST_LOG) process.stderr.write(`[replica ${replica}] ${line}`);
      });
      const config = loadConfig({
        PORT: "0",
        ADMIN_PORT: "0",
        DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/${databaseName}`,
        TESSERA_SECRET_KEY: secret,
        SMTP_URL: smtp.url,
        // The load comes from one address, 127.0.0.1: the per-address limit would refuse it as one client.
        CLIENT_RATE_LIMIT: "1000000",
      });
      replicas.push({ app: await startApp(config, { logger, host: "127.0.0.1" }), logs });
    }
  }, 120_000);

  afterAll(async () => {
    closeGrpcClients();
    await Promise.all(replicas.map(({ app }) => app.close(1_000)));
    await admin?.end().catch(() => undefined);
    await proxy?.close();
    await smtp?.close();
    await cluster?.destroy();
  });

  /**
   * Runs the load for a second, injects the fault, heals it, runs 3 s more, then checks every
   * answer: success or unavailable (503 with Retry-After / UNAVAILABLE), never a 500, INTERNAL
   * or a dropped connection; nothing over 10 s; everything that started 2 s after healing
   * succeeded.
   */
  async function survive(inject: () => Promise<void>, heal: () => Promise<void>) {
    const load = startMixedLoad(
      replicas.map(({ app }) => app.url),
      10,
    );
    await sleep(1_000);
    await inject();
    await heal();
    const healedAt = Date.now();
    await sleep(3_000);
    await load.stop();
    const outcomes = load.outcomes;
    const wrong = outcomes.filter((outcome) => outcome.result !== "ok" && outcome.result !== "unavailable");
    expect(wrong.slice(0, 5), `${wrong.length} of ${outcomes.length} answers were neither success nor unavailable`).toEqual([]);
    const hung = outcomes.filter((outcome) => outcome.endedAt - outcome.startedAt > 10_000);
    expect(hung.slice(0, 5), "requests that took over 10 s").toEqual([]);
    const late = outcomes.filter((outcome) => outcome.startedAt > healedAt + 2_000 && outcome.result !== "ok");
    expect(late.slice(0, 5), "requests still failing 2 s after the database was back").toEqual([]);
    for (const replica of [0, 1]) {
      expect(outcomes.filter((outcome) => outcome.replica === replica && outcome.startedAt > healedAt + 2_000 && outcome.result === "ok").length, `replica ${replica} serves again`).toBeGreaterThan(0);
    }
    return outcomes;
  }

  it("survives every connection being cut at once", async () => {
    await survive(
      async () => proxy.cut(),
      async () => {},
    );
  });

  it("survives pg_terminate_backend of all its connections", async () => {
    await survive(
      async () => {
        await direct(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${databaseName}' and pid <> pg_backend_pid()`);
      },
      async () => {},
    );
  });

  it("survives 3 s of refused connections, open ones cut", async () => {
    await survive(
      async () => {
        proxy.setMode("refuse");
        proxy.cut();
        await sleep(3_000);
      },
      async () => proxy.setMode("pass"),
    );
  });

  it("survives an 8 s network stall: waits are bounded (pool 1 s, query 7 s), nothing hangs", async () => {
    const outcomes = await survive(
      async () => {
        proxy.setMode("stall");
        await sleep(8_000);
      },
      async () => proxy.setMode("pass"),
    );
    expect(outcomes.some((outcome) => outcome.result === "unavailable")).toBe(true);
  });

  it("survives 3 s of 300 ms latency on every packet", async () => {
    await survive(
      async () => {
        proxy.setDelay(300);
        await sleep(3_000);
      },
      async () => proxy.setDelay(0),
    );
  });

  it("survives pg_ctl restart -m immediate", async () => {
    const outcomes = await survive(
      () => cluster.restart("immediate"),
      async () => {},
    );
    expect(outcomes.some((outcome) => outcome.result === "unavailable")).toBe(true);
  }, 60_000);

  it("survives PostgreSQL stopped for 10 s, then started", async () => {
    const outcomes = await survive(
      async () => {
        await cluster.stop("fast");
        await sleep(10_000);
      },
      () => cluster.start(),
    );
    expect(outcomes.some((outcome) => outcome.result === "unavailable")).toBe(true);
  }, 60_000);

  it("leaves consistent tables: every passcode has its email, every user an address, every message sent once", async () => {
    expect(await direct(`select c.id from challenges c join emails e on e.id = (c.data->>'emailId')::uuid where c.purpose = 'passcode' and not exists (select 1 from outbox o where o.recipient = e.address)`)).toEqual([]);
    expect(await direct(`select u.id from users u where not exists (select 1 from emails e where e.user_id = u.id)`)).toEqual([]);
    // No claim reaches further than one lease (8 s) ahead.
    expect(await direct(`select id from outbox where sent_at is null and claimed_until > now() + interval '9 seconds'`)).toEqual([]);
    await expect.poll(async () => (await direct<{ count: string }>(`select count(*) from outbox where sent_at is null`))[0]!.count, { timeout: 30_000, interval: 500 }).toBe("0");
    const rows = await direct<{ recipient: string }>(`select recipient from outbox`);
    expect(rows.length).toBeGreaterThan(0);
    const received = smtp.messages.flatMap((mail) => mail.to);
    const duplicates = received.filter((to, index) => received.indexOf(to) !== index);
    expect(duplicates).toEqual([]);
    expect(new Set(received)).toEqual(new Set(rows.map((row) => row.recipient)));
    for (const { logs } of replicas) expect(logs.filter((line) => line.includes("uncaught") || line.includes("unhandled"))).toEqual([]);
  }, 60_000);
});
