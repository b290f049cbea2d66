import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/es/grpc/health/v1/health_pb.js";
import { startTestServer, type TestServer } from "../harness/server.js";

// A grpc.health.v1 Watch whose status does not change is a long-lived stream: the HTTP/2 idle
// timeout (shortened here to 300 ms) must not cut it, on the main port nor on the management port.
const idleTimeoutMs = 300;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { idleTimeoutMs });
}, 120_000);
afterAll(async () => {
  await server?.close();
});

it("keeps a Watch with no change open past several idle timeouts on both ports", async () => {
  const ports = { main: server.url, management: server.app.adminUrl };
  const seen: Record<string, Status[]> = { main: [], management: [] };
  const ended: string[] = [];
  const controllers = Object.entries(ports).map(([name, url]) => {
    const controller = new AbortController();
    const client = createClient(Health, createGrpcTransport({ baseUrl: url }));
    void (async () => {
      try {
        for await (const answer of client.watch({ service: "" }, { signal: controller.signal })) seen[name]!.push(answer.status);
        if (!controller.signal.aborted) ended.push(`${name}: ended`);
      } catch (error) {
        if (!controller.signal.aborted) ended.push(`${name}: ${String(error)}`);
      }
    })();
    return controller;
  });
  await new Promise((resolve) => setTimeout(resolve, idleTimeoutMs * 8));
  for (const controller of controllers) controller.abort();
  expect(ended).toEqual([]);
  expect(seen).toEqual({ main: [Status.SERVING], management: [Status.SERVING] });
}, 30_000);
