import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { dirname, join } from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { enqueueMessage } from "../../src/store/outbox/outbox.store.js";
import { defaultTenantId, type Schema } from "../../src/store/schema.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { isRunning, runEntry, type EntryProcess } from "../harness/entry-process.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { transpileEntry, type TranspiledEntry } from "../harness/transpiled-entry.js";

// The real entry point with TESSERA_WORKERS: a node:cluster primary and its workers, as
// `npm start` runs them. Several workers need PostgreSQL; on PGlite one process serves.
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
/** Bound on a start: a fresh database is migrated by the first worker, on a loaded machine. */
const startMs = 60_000;

let entry: TranspiledEntry;
let database: TestDatabase;
let sink: SmtpSink;
const running: EntryProcess[] = [];
const dropAfter: TestDatabase[] = [];

beforeAll(async () => {
  entry = transpileEntry();
  database = await createTestDatabase();
  sink = await startSmtpSink();
}, 120_000);

afterAll(async () => {
  for (const run of running) run.child.kill("SIGKILL");
  closeGrpcClients();
  await sink?.close();
  await database?.drop();
  for (const other of dropAfter) await other.drop();
  entry?.remove();
});

/** Starts the entry on port 0 with this file's database and SMTP sink. */
function start(env: Record<string, string>): EntryProcess {
  const run = runEntry(entry.main, {
    PORT: "0",
    ADMIN_PORT: "0",
    LOG_LEVEL: "info",
    TESSERA_SECRET_KEY: secretKey,
    SMTP_URL: sink.url,
    SHUTDOWN_GRACE_SECONDS: "5",
    ...database.env,
    ...env,
  });
  running.push(run);
  return run;
}
const secretKey = randomBytes(32).toString("hex");

/** The key ids GET /.well-known/jwks.json (SessionService/GetJwks) publishes, over REST and every RPC transport, each on a fresh connection. */
async function publishedKids(url: string): Promise<Array<{ transport: string; kids: string[] }>> {
  closeGrpcClients();
  const answers: Array<{ transport: string; kids: string[] }> = [];
  const response = await rest(url, "GET", "/.well-known/jwks.json");
  expect(response.status).toBe(200);
  answers.push({ transport: "rest", kids: (response.json as { keys: Array<{ kid: string }> }).keys.map((key) => key.kid) });
  for (const transport of rpcTransports) {
    const result = await callRpc(transport, url, SessionService, SessionServiceService, "getJwks", {});
    if (!result.ok) throw new Error(`${transport}: GetJwks failed: ${result.message}`);
    answers.push({ transport, kids: (result.output["keys"] as Array<{ kid: string }>).map((key) => key.kid) });
  }
  return answers;
}

/** Every transport, each on a fresh connection, answers with the same published keys. */
async function expectKeys(url: string): Promise<void> {
  const answers = await publishedKids(url);
  expect(answers.map((answer) => answer.transport)).toEqual(["rest", ...rpcTransports]);
  const [first] = answers;
  expect(first?.kids.length).toBeGreaterThan(0);
  for (const answer of answers) expect(answer.kids, answer.transport).toEqual(first?.kids);
}

/** The operator command (src/cli.js next to the entry) against this file's database. */
function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [join(dirname(entry.main), "cli.js"), ...args], {
    env: { ...process.env, LOG_LEVEL: "error", TESSERA_SECRET_KEY: secretKey, ...database.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => (out += chunk));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out })));
}

describe.skipIf(!onPostgres)("TESSERA_WORKERS on PostgreSQL", () => {
  it("serves from two workers, replaces one that is killed while the other keeps answering, and drains both on SIGTERM with exit 0", async () => {
    // A database of its own, new: both workers migrate it, create the signing keys and seed the
    // AuthFi access point at the same moment.
    const fresh = await createTestDatabase();
    dropAfter.push(fresh);
    const run = start({ TESSERA_WORKERS: "2", AUTHFI_ACCESS_POINT: "workers", AUTHFI_API_KEY: "workers-key", ...fresh.env });
    const ready = await run.waitFor("tessera ready", startMs);
    expect(ready["workers"]).toBe(2);
    const pids = ready["pids"] as number[];
    expect(pids).toHaveLength(2);
    expect(new Set(pids).size).toBe(2);
    // Each worker writes its log asynchronously (src/log.ts) and tells the primary it listens over
    // IPC: its own lines may reach the pipe just after the primary's "tessera ready".
    await vi.waitFor(
      () => {
        expect(run.lines("created signing key").map((line) => line["alg"]).sort()).toEqual(["EdDSA", "RS256"]);
        expect(run.lines("tessera listening")).toHaveLength(2);
      },
      { timeout: 5_000, interval: 50 },
    );
    const url = `http://127.0.0.1:${String(ready["port"])}`;
    // Round-robin: consecutive fresh connections go to both workers.
    for (let i = 0; i < 2; i++) expect((await rest(url, "GET", "/workers/api/v1/users", { headers: { "AT-X-KEY": "workers-key" } })).status).toBe(200);
    for (let round = 0; round < 2; round++) {
      await expectKeys(url);
    }

    const [victim, survivor] = pids as [number, number];
    process.kill(victim, "SIGKILL");
    const died = await run.waitFor("a worker died: replacing it", 10_000);
    expect(died).toMatchObject({ pid: victim, signal: "SIGKILL" });
    // While the replacement starts, the survivor answers every fresh connection.
    await expectKeys(url);
    const replaced = await run.waitFor("replacement worker serving", startMs);
    const replacement = replaced["pid"] as number;
    expect(pids).not.toContain(replacement);
    expect(isRunning(survivor)).toBe(true);
    for (let round = 0; round < 2; round++) {
      await expectKeys(url);
    }

    closeGrpcClients();
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    expect(run.lines("stopped")).toHaveLength(3);
    expect([survivor, replacement].filter(isRunning)).toEqual([]);
  }, 180_000);

  it("sends each queued message exactly once, and a rotated key is published and used by both workers", async () => {
    const run = start({ TESSERA_WORKERS: "2" });
    const ready = await run.waitFor("tessera ready", startMs);
    const url = `http://127.0.0.1:${String(ready["port"])}`;

    // Both workers' outboxes are nudged by NOTIFY and claim with FOR UPDATE SKIP LOCKED.
    const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.env["DATABASE_URL"], max: 4 }) }) });
    const recipients = Array.from({ length: 40 }, (_, i) => `worker-${i}@example.com`);
    try {
      await Promise.all(recipients.map((recipient) => enqueueMessage(db, { tenantId: defaultTenantId, channel: "email", recipient, subject: "code", body: `for ${recipient}` })));
      await expect.poll(() => sink.messages.filter((mail) => mail.to.some((to) => to.startsWith("worker-"))).length, { timeout: 30_000, interval: 200 }).toBe(recipients.length);
      // A second send would come after a lease ran out or a claim was taken twice: give it time.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const received = sink.messages.flatMap((mail) => mail.to).filter((to) => to.startsWith("worker-"));
      expect(received.sort()).toEqual([...recipients].sort());
      const unsent = await db.selectFrom("outbox").select("id").where("recipient", "like", "worker-%").where("sent_at", "is", null).execute();
      expect(unsent).toEqual([]);
    } finally {
      await db.destroy();
    }

    const rotated = await cli("keys", "rotate", "RS256");
    expect(rotated.code).toBe(0);
    const newKid = rotated.out.trim();
    expect(newKid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Each worker reloads its keys within 10 s (key.service.ts); ten fresh connections in a
    // row, alternating between the two workers, all publish the new key.
    await expect
      .poll(
        async () => {
          const answers = [];
          for (let i = 0; i < 2; i++) answers.push(...(await publishedKids(url)));
          return answers.filter((answer) => !answer.kids.includes(newKid)).map((answer) => answer.transport);
        },
        { timeout: 20_000, interval: 500 },
      )
      .toEqual([]);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  }, 180_000);
});

/** A POST /users whose body trickles in over `ms`: a request in flight on one worker for that long. */
function slowRequest(port: number, ms: number): Promise<number | "cut"> {
  const body = JSON.stringify({ email: `slow-${randomBytes(4).toString("hex")}@example.com` });
  return new Promise((resolve) => {
    const request = http.request({ host: "127.0.0.1", port, path: "/users", method: "POST", headers: { "content-type": "application/json", "content-length": body.length } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", () => resolve("cut"));
    });
    request.on("error", () => resolve("cut"));
    request.write(body.slice(0, 5));
    setTimeout(() => request.end(body.slice(5)), ms);
  });
}

describe.skipIf(!onPostgres)("TESSERA_WORKERS shutdown", () => {
  it("lets a request in flight on a worker finish and exits 0; a request still running after SHUTDOWN_GRACE_SECONDS is cut and the exit is 1", async () => {
    const finishing = start({ TESSERA_WORKERS: "2" });
    const port = Number((await finishing.waitFor("tessera ready", startMs))["port"]);
    const inFlight = slowRequest(port, 1_500);
    await new Promise((resolve) => setTimeout(resolve, 300));
    finishing.child.kill("SIGTERM");
    expect(await inFlight).toBe(200);
    expect(await finishing.exited).toBe(0);

    const cutting = start({ TESSERA_WORKERS: "2", SHUTDOWN_GRACE_SECONDS: "1" });
    const cutPort = Number((await cutting.waitFor("tessera ready", startMs))["port"]);
    const cut = slowRequest(cutPort, 6_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    cutting.child.kill("SIGTERM");
    expect(await cutting.exited).toBe(1);
    expect(await cut).toBe("cut");
    expect(cutting.lines("stopped after cutting requests still running at the end of SHUTDOWN_GRACE_SECONDS")).toEqual([expect.objectContaining({ cut: 1 })]);
    expect(cutting.lines("a worker stopped with an error (it cut requests or could not close)")).toHaveLength(1);
  }, 180_000);
});

describe("TESSERA_WORKERS start-up", () => {
  it.skipIf(onPostgres)("on PGlite serves from one process and says in the start log that it ignored TESSERA_WORKERS", async () => {
    const run = start({ TESSERA_WORKERS: "3" });
    const ready = await run.waitFor("tessera ready", startMs);
    expect(ready["workers"]).toBe(1);
    expect(run.lines("TESSERA_WORKERS ignored: the embedded PGlite database lives in one process, so one process serves (set DATABASE_URL for more)")).toEqual([
      expect.objectContaining({ level: "warn", asked: 3, workers: 1 }),
    ]);
    expect((await rest(`http://127.0.0.1:${String(ready["port"])}`, "GET", "/.well-known/jwks.json")).status).toBe(200);
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  }, 120_000);

  it("stops the whole service with exit 2 when the workers cannot reach the database, with no restart loop", async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const run = start({ TESSERA_WORKERS: "2", DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/none`, DATABASE_CONNECT_TIMEOUT: "0" });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/tessera: cannot start: .*DATABASE_URL/);
    expect(run.lines("a worker could not start: stopping the service")).toHaveLength(1);
    expect(run.lines("a worker died: replacing it")).toEqual([]);
    expect(run.lines("tessera ready")).toEqual([]);
  }, 60_000);

  it("refuses a PORT in use from the primary, before any worker starts", async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, resolve));
    try {
      const port = (holder.address() as net.AddressInfo).port;
      const run = start({ TESSERA_WORKERS: "2", PORT: String(port), DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" });
      expect(await run.exited).toBe(2);
      expect(run.stderr()).toContain(`tessera: cannot start: PORT ${port} is in use`);
      expect(run.lines("starting workers")).toEqual([]);
    } finally {
      holder.close();
    }
  }, 60_000);
});
