import http from "node:http";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";

// The request id is written with the head of each answer (src/observe/recorded-response.ts), not
// set before it: every way an answer is written (a head with headers, with none, after CORS
// headers set one by one, over HTTP/1.1 or HTTP/2) must still echo it, and log it once.

const appOrigin = "https://app.example.com";
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: appOrigin });
});
afterAll(async () => {
  await server?.close();
});

interface Answer {
  status: number;
  requestId: string | undefined;
}

async function overHttp1(url: string, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  const answer = await rest(url, method, path, { headers });
  return { status: answer.status, requestId: answer.headers["x-request-id"] as string | undefined };
}

function overHttp2(url: string, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.once("error", reject);
    const stream = session.request({ ":method": method, ":path": path, ...headers });
    stream.once("response", (head) => {
      stream.resume();
      stream.once("end", () => {
        session.close();
        resolve({ status: Number(head[":status"]), requestId: head["x-request-id"] as string | undefined });
      });
    });
    stream.once("error", reject);
    stream.end();
  });
}

const clients = [
  ["HTTP/1.1", overHttp1],
  ["HTTP/2", overHttp2],
] as const;

const unknownUser = `/users/${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}`;
// Each way the listener's transports write an answer's head.
const cases: Array<{ name: string; port: "main" | "admin"; method: string; path: string; headers?: Record<string, string>; status: number }> = [
  { name: "a REST answer (writeHead with headers)", port: "main", method: "GET", path: "/.well-known/jwks.json", status: 200 },
  { name: "a REST refusal", port: "main", method: "GET", path: unknownUser, status: 401 },
  { name: "a method not allowed", port: "main", method: "DELETE", path: "/.well-known/jwks.json", status: 405 },
  { name: "a route that does not exist", port: "main", method: "GET", path: "/no/such/route", status: 404 },
  {
    name: "a CORS preflight (headers set one by one, then writeHead)",
    port: "main",
    method: "OPTIONS",
    path: "/.well-known/jwks.json",
    headers: { origin: appOrigin, "access-control-request-method": "GET" },
    status: 204,
  },
  { name: "a CORS call (headers set one by one, then writeHead with headers)", port: "main", method: "GET", path: "/.well-known/jwks.json", headers: { origin: appOrigin }, status: 200 },
  { name: "an admin API refusal on the management port", port: "admin", method: "GET", path: "/admin/users", status: 401 },
];

let sequence = 0;

describe("X-Request-Id on every kind of answer", () => {
  for (const [clientName, call] of clients) {
    for (const { name, port, method, path, headers = {}, status } of cases) {
      it(`${name} over ${clientName} echoes the id sent, and the request log has it once`, async () => {
        const id = `echo-${process.pid}-${++sequence}`;
        const url = port === "main" ? server.url : server.app.adminUrl;
        const answer = await call(url, method, path, { ...headers, "x-request-id": id });
        expect(answer).toEqual({ status, requestId: id });
        const lines = server.logs.map((line) => JSON.parse(line) as { message: string; requestId?: string; status?: number }).filter((line) => line.message === "request" && line.requestId === id);
        expect(lines).toEqual([expect.objectContaining({ status })]);
      });

      it(`${name} over ${clientName} without an id gets a generated one`, async () => {
        const url = port === "main" ? server.url : server.app.adminUrl;
        const answer = await call(url, method, path, headers);
        expect(answer.status).toBe(status);
        expect(answer.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      });
    }
  }
});

describe("the request id's cost", () => {
  // A header set before writeHead(status, headers) sends node:http down its slow path, which sets
  // every header of the answer once more, one by one: a few µs per request under load (issue 15
  // bounds what the request log and metrics may cost).
  it("a REST answer over HTTP/1.1 sets no header one by one: its head goes out as the transcoder wrote it, with the id", async () => {
    const setHeader = vi.spyOn(http.ServerResponse.prototype, "setHeader");
    try {
      const answer = await overHttp1(server.url, "GET", "/.well-known/jwks.json", { "x-request-id": "fast-path" });
      expect(answer).toEqual({ status: 200, requestId: "fast-path" });
      expect(setHeader.mock.calls.map(([name]) => name)).toEqual([]);
    } finally {
      setHeader.mockRestore();
    }
  });
});
