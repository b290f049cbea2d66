import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { runEntry, type EntryProcess } from "../harness/entry-process.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { transpileEntry, type TranspiledEntry } from "../harness/transpiled-entry.js";
import { parseMetrics, sampleValue } from "../observe/metrics-text.js";

// With TESSERA_WORKERS every worker counts the requests it served, and the management port is
// shared like the main port: a scrape that answered one worker's registry would show a fraction
// of the traffic, different at each scrape. Several workers need PostgreSQL.
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

let entry: TranspiledEntry;
let database: TestDatabase;
let run: EntryProcess | undefined;

beforeAll(async () => {
  entry = transpileEntry();
  database = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  run?.child.kill("SIGKILL");
  closeGrpcClients();
  await database?.drop();
  entry?.remove();
});

const adminKey = "cluster-metrics-admin-key-0123456789";
const jwksRpc = "tessera.session.v1.SessionService/GetJwks";
const jwksRestRoute = "GET /.well-known/jwks.json";
/** Calls per transport: enough fresh connections that round-robin hands some to each worker. */
const callsPerTransport = 6;
/** The transport label the request record gives each harness transport. */
const transportLabel = { rest: "rest", grpc: "grpc", "connect-json": "connect", "connect-binary": "connect", "grpc-web": "grpc-web" } as const;

/** One GetJwks over `transport`, on a connection of its own. */
async function getJwks(transport: keyof typeof transportLabel, url: string): Promise<boolean> {
  if (transport === "rest") return (await rest(url, "GET", "/.well-known/jwks.json")).status === 200;
  closeGrpcClients();
  return (await callRpc(transport, url, SessionService, SessionServiceService, "getJwks", {})).ok;
}

describe.skipIf(!onPostgres)("/metrics with TESSERA_WORKERS=2", () => {
  it("answers the sum over both workers at every scrape, whichever worker serves it, while /health and the admin API keep answering", async () => {
    run = runEntry(entry.main, {
      PORT: "0",
      ADMIN_PORT: "0",
      LOG_LEVEL: "info",
      TESSERA_WORKERS: "2",
      TESSERA_SECRET_KEY: randomBytes(32).toString("hex"),
      ADMIN_API_KEY: adminKey,
      SHUTDOWN_GRACE_SECONDS: "5",
      ...database.env,
    });
    const ready = await run.waitFor("tessera ready", 60_000);
    const pids = ready["pids"] as number[];
    const url = `http://127.0.0.1:${String(ready["port"])}`;
    // Each worker's own lines reach stderr asynchronously, maybe after the primary's "tessera ready".
    await expect.poll(() => run!.lines("tessera listening").length, { timeout: 5_000 }).toBe(2);
    const listening = run.lines("tessera listening");
    const adminUrl = `http://127.0.0.1:${String(listening[0]?.["adminPort"])}`;

    const transports = ["rest", ...rpcTransports] as const;
    for (const transport of transports) {
      for (let i = 0; i < callsPerTransport; i++) expect(await getJwks(transport, url), transport).toBe(true);
    }

    // The calls reached both workers: each worker's request log lines carry its pid.
    const served = () => run!.lines("request").filter((line) => line["route"] === jwksRpc || line["route"] === jwksRestRoute);
    // Log lines reach stderr asynchronously, the last ones after their answers.
    await expect.poll(() => served().length, { timeout: 5_000 }).toBe(transports.length * callsPerTransport);
    const servedPids = served().map((line) => line["pid"]);
    expect(new Set(servedPids).size).toBe(2);
    expect(servedPids.filter((pid) => !pids.includes(pid as number))).toEqual([]);

    const expected: Record<string, number> = {};
    for (const transport of transports) expected[transportLabel[transport]] = (expected[transportLabel[transport]] ?? 0) + callsPerTransport;
    // Fresh connections to the management port: round-robin hands the scrapes to both workers.
    for (let scrape = 0; scrape < 4; scrape++) {
      const answer = await rest(adminUrl, "GET", "/metrics");
      expect(answer.status).toBe(200);
      expect(answer.headers["content-type"]).toMatch(/^text\/plain/);
      const samples = parseMetrics(answer.text);
      const counted = Object.fromEntries(
        Object.keys(expected).map((transport) => [transport, sampleValue(samples, "tessera_requests_total", { route: transport === "rest" ? jwksRestRoute : jwksRpc, transport, status_class: "2xx" })]),
      );
      expect(counted, `scrape ${scrape}`).toEqual(expected);
      // A histogram is summed bucket by bucket: its count is the number of calls too.
      const durations = sampleValue(samples, "tessera_request_duration_seconds_count", { route: jwksRpc }) + sampleValue(samples, "tessera_request_duration_seconds_count", { route: jwksRestRoute });
      expect(durations).toBe(transports.length * callsPerTransport);
      // One HELP and TYPE per metric, not one per worker.
      expect(answer.text.split("\n").filter((line) => line === "# TYPE tessera_requests_total counter")).toHaveLength(1);
    }

    for (let i = 0; i < 4; i++) {
      expect((await rest(adminUrl, "GET", "/health/alive")).status).toBe(200);
      expect((await rest(adminUrl, "GET", "/health/ready")).json).toMatchObject({ status: "ok" });
      const users = await rest(adminUrl, "GET", "/admin/users", { headers: { authorization: `Bearer ${adminKey}` } });
      expect(users.status).toBe(200);
    }

    closeGrpcClients();
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
  }, 180_000);
});
