// CORS as a browser meets it: a preflight from an allowed origin lets through every header the
// client package sends (x-client-id, Authorization, Connect's and gRPC-Web's own), an answer
// exposes the headers connect-web reads its status and ErrorInfo from, and a refused origin is
// served without CORS headers and logged at the server (once per origin per minute), with the origin and the path but
// not the query (which may carry a token).
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/server.js";

const allowedOrigin = "https://app.example.test";
/** A refused origin of its own per test: each origin's refusals are logged once a minute. */
const refusedOrigin = (test: string) => `https://evil-${test}.example.test`;
const jwksPath = "/tessera.session.v1.SessionService/GetJwks";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: allowedOrigin });
});
afterAll(async () => {
  await server?.close();
});

function send(method: string, path: string, headers: Record<string, string>, body = ""): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, server.url), { method, headers: { ...headers, ...(body === "" ? {} : { "content-length": String(Buffer.byteLength(body)) }) } }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

function list(value: string | string[] | undefined): string[] {
  return String(value ?? "")
    .split(",")
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== "");
}

/** The log lines of refused origins. */
function refusals(): Record<string, unknown>[] {
  return server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.message === "cors origin refused");
}

describe("an allowed origin", () => {
  it("gets a preflight that allows the headers connect-web and the client package send", async () => {
    const answer = await send("OPTIONS", jwksPath, {
      origin: allowedOrigin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, connect-protocol-version, x-client-id, authorization, x-request-id, traceparent",
    });
    expect(answer.status).toBe(204);
    expect(answer.headers["access-control-allow-origin"]).toBe(allowedOrigin);
    expect(answer.headers["access-control-allow-credentials"]).toBe("true");
    expect(list(answer.headers["access-control-allow-methods"])).toEqual(expect.arrayContaining(["post", "get"]));
    expect(list(answer.headers["access-control-allow-headers"])).toEqual(
      expect.arrayContaining(["content-type", "connect-protocol-version", "connect-timeout-ms", "x-grpc-web", "x-user-agent", "grpc-timeout", "x-client-id", "authorization", "x-request-id", "traceparent", "tracestate"]),
    );
  });

  it.each([
    ["Connect JSON", "application/json", "{}", { "connect-protocol-version": "1" }],
    ["gRPC-Web", "application/grpc-web+proto", "\u0000\u0000\u0000\u0000\u0000", { "x-grpc-web": "1" }],
  ] as const)("gets a %s answer that exposes the status, error detail and request id headers", async (_name, contentType, body, extra) => {
    const answer = await send("POST", jwksPath, { origin: allowedOrigin, "content-type": contentType, ...extra }, body);
    expect(answer.status).toBe(200);
    expect(answer.headers["access-control-allow-origin"]).toBe(allowedOrigin);
    expect(answer.headers["access-control-allow-credentials"]).toBe("true");
    expect(list(answer.headers["access-control-expose-headers"])).toEqual(
      expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin", "connect-content-encoding", "x-request-id", "x-auth-token"]),
    );
  });

  it("is not logged as refused", async () => {
    const before = refusals().length;
    await send("POST", jwksPath, { origin: allowedOrigin, "content-type": "application/json" }, "{}");
    expect(refusals().length).toBe(before);
  });
});

describe("a refused origin", () => {
  it("gets no CORS headers on its preflight, and the server logs the origin and path once, at warn, without the query", async () => {
    const before = refusals().length;
    const origin = refusedOrigin("preflight");
    const answer = await send("OPTIONS", `${jwksPath}?token=secret-in-query`, { origin, "access-control-request-method": "POST" });
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
    expect(answer.headers["access-control-allow-credentials"]).toBeUndefined();
    const logged = refusals().slice(before);
    expect(logged).toEqual([expect.objectContaining({ level: "warn", origin, method: "OPTIONS", path: jwksPath, preflight: true })]);
    expect(JSON.stringify(server.logs)).not.toContain("secret-in-query");
  });

  // A hostile page repeating calls must not make the server write a line per request.
  it("gets no CORS headers on an RPC, and the server logs the origin once however often it calls", async () => {
    const origin = refusedOrigin("rpc");
    const before = refusals().length;
    for (let i = 0; i < 5; i++) {
      const answer = await send("POST", jwksPath, { origin, "content-type": "application/json", "connect-protocol-version": "1" }, "{}");
      expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
      expect(answer.headers["access-control-expose-headers"]).toBeUndefined();
    }
    expect(refusals().slice(before)).toEqual([expect.objectContaining({ level: "warn", origin, method: "POST", path: jwksPath, preflight: false })]);
  });

  it("gets no CORS headers on a REST call, and the server logs it once", async () => {
    const before = refusals().length;
    const origin = refusedOrigin("rest");
    const answer = await send("GET", "/.well-known/jwks.json", { origin });
    expect(answer.status).toBe(200);
    expect(answer.headers["access-control-allow-origin"]).toBeUndefined();
    expect(refusals().slice(before)).toEqual([expect.objectContaining({ origin, method: "GET", path: "/.well-known/jwks.json" })]);
  });
});
