import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/es/grpc/health/v1/health_pb.js";
import { HealthService } from "../../gen/grpc-js/grpc/health/v1/health.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { parseMetrics, sampleValue } from "./metrics-text.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

describe("the management port", () => {
  it("answers /health/alive and /health/ready with every check ok", async () => {
    const alive = await rest(server.app.adminUrl, "GET", "/health/alive");
    expect(alive.status).toBe(200);
    expect(alive.json).toEqual({ status: "ok" });
    const ready = await rest(server.app.adminUrl, "GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: "ok", checks: { database: "ok", migrations: "ok", keys: "ok" } });
  });

  it("serves Prometheus text at /metrics, with process metrics", async () => {
    const metrics = await rest(server.app.adminUrl, "GET", "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toContain("# TYPE tessera_requests_total counter");
    expect(metrics.text).toContain("process_cpu_user_seconds_total");
    expect(metrics.text).toMatch(/^tessera_outbox_pending_messages\{channel="email"\} \d+$/m);
    expect(metrics.text).toMatch(/^tessera_database_connections_in_use \d+$/m);
  });

  it.each([
    ["GET", "/", 404],
    ["GET", "/health", 404],
    ["GET", "/users", 404],
    ["POST", "/metrics", 405],
    ["DELETE", "/health/ready", 405],
  ])("answers %s %s with %i in JSON", async (method, path, status) => {
    const answer = await rest(server.app.adminUrl, method, path);
    expect(answer.status).toBe(status);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(answer.json).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });

  it("leaves the main port's seed routes as they were (Hanko's GET / is its status page)", async () => {
    expect((await rest(server.url, "GET", "/")).status).toBe(200);
    expect((await rest(server.url, "GET", "/health/alive")).status).toBe(404);
  });
});

describe("grpc.health.v1.Health", () => {
  const cases = [
    { service: "", expected: { ok: true, output: { status: "SERVING" } } },
    { service: "tessera.session.v1.SessionService", expected: { ok: true, output: { status: "SERVING" } } },
    { service: "tessera.authenticator.v1.AuthenticatorService", expected: { ok: true, output: { status: "SERVING" } } },
    { service: "no.such.v1.Service", expected: { ok: false, code: Code.NotFound } },
  ];
  const ports = ["main", "admin"] as const;
  it.each(ports.flatMap((port) => rpcTransports.flatMap((transport) => cases.map((entry) => ({ port, transport, ...entry })))))(
    "Check($service) over $transport on the $port port",
    async ({ port, transport, service, expected }) => {
      const url = port === "main" ? server.url : server.app.adminUrl;
      const result = await callRpc(transport, url, Health, HealthService, "check", { service });
      expect(result).toMatchObject(expected);
    },
  );
});

describe("X-Request-Id", () => {
  it("echoes a sane X-Request-Id and replaces one that is not", async () => {
    const sane = await rest(server.url, "GET", "/.well-known/jwks.json", { headers: { "x-request-id": "req-4f1c.9:ab" } });
    expect(sane.headers["x-request-id"]).toBe("req-4f1c.9:ab");
    const insane = await rest(server.url, "GET", "/.well-known/jwks.json", { headers: { "x-request-id": `{"a":1} ${"x".repeat(200)}` } });
    expect(insane.headers["x-request-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const none = await rest(server.url, "GET", "/.well-known/jwks.json");
    expect(none.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(none.headers["x-request-id"]).not.toBe(insane.headers["x-request-id"]);
  });
});

describe("while the database is down", () => {
  it("answers /health/ready 503 with the failing check, and Watch streams SERVING then NOT_SERVING on both ports", async () => {
    const own = await startTestServer();
    try {
      const watches = [own.url, own.app.adminUrl].map((url) => {
        const controller = new AbortController();
        const client = createClient(Health, createGrpcTransport({ baseUrl: url }));
        const seen: Status[] = [];
        const done = (async () => {
          try {
            for await (const answer of client.watch({ service: "tessera.verify.v1.VerifyService" }, { signal: controller.signal })) seen.push(answer.status);
          } catch {
            // aborted at the end of the test
          }
        })();
        return { controller, seen, done };
      });
      await expect.poll(() => watches.map((watch) => watch.seen), { timeout: 10_000 }).toEqual([[Status.SERVING], [Status.SERVING]]);
      await own.app.database.close();
      await expect.poll(() => watches.map((watch) => watch.seen), { timeout: 10_000 }).toEqual([
        [Status.SERVING, Status.NOT_SERVING],
        [Status.SERVING, Status.NOT_SERVING],
      ]);
      const ready = await rest(own.app.adminUrl, "GET", "/health/ready");
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ status: "unavailable", checks: { database: expect.not.stringMatching(/^ok$/), migrations: expect.not.stringMatching(/^ok$/) } });
      const check = await callRpc("grpc", own.url, Health, HealthService, "check", { service: "" });
      expect(check).toMatchObject({ ok: true, output: { status: "NOT_SERVING" } });
      expect((await rest(own.app.adminUrl, "GET", "/health/alive")).status).toBe(200);
      // The scrape still answers: the outbox gauges keep their last values.
      const scrape = await rest(own.app.adminUrl, "GET", "/metrics");
      expect(scrape.status).toBe(200);
      expect(sampleValue(parseMetrics(scrape.text), "tessera_outbox_pending_messages", { channel: "email" })).toBe(0);
      for (const watch of watches) watch.controller.abort();
      await Promise.all(watches.map((watch) => watch.done));
    } finally {
      await own.close();
    }
  }, 60_000);

  it("a Watch of a service not served answers SERVICE_UNKNOWN", async () => {
    const controller = new AbortController();
    const client = createClient(Health, createGrpcTransport({ baseUrl: server.app.adminUrl }));
    const stream = client.watch({ service: "no.such.v1.Service" }, { signal: controller.signal })[Symbol.asyncIterator]();
    const first = await stream.next();
    expect(first.value?.status).toBe(Status.SERVICE_UNKNOWN);
    controller.abort();
    await stream.return?.();
  });
});
