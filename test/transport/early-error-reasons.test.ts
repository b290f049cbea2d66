// Review of issue 18, point 4: "every error carries its reason". A browser app whose
// @tessera/client is newer than the server (a method the server does not have yet), or that
// sends the wrong content type, gets an error with no ErrorInfo at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const reasonOf = (body: string): unknown => {
  try {
    return (JSON.parse(body) as { details?: { debug?: { reason?: string } }[] }).details?.[0]?.debug?.reason;
  } catch {
    return undefined;
  }
};

describe("Connect errors answered before any handler carry a reason (issue 18 point 4)", () => {
  it("an unknown method of a known service (Connect JSON)", async () => {
    const answer = await fetch(`${server.url}/tessera.session.v1.SessionService/NoSuchMethod`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(answer.status).toBe(404);
    expect(reasonOf(await answer.text())).toBe("NOT_SUPPORTED");
  });

  it("an unknown method of a known service (gRPC-Web): grpc-status and its details are sent", async () => {
    const answer = await fetch(`${server.url}/tessera.session.v1.SessionService/NoSuchMethod`, { method: "POST", headers: { "content-type": "application/grpc-web+proto" }, body: new Uint8Array([0, 0, 0, 0, 0]) });
    expect(answer.headers.get("grpc-status")).toBe("12");
    expect(answer.headers.get("grpc-status-details-bin")).not.toBeNull();
  });

  it("an unsupported content type on a Connect route", async () => {
    const answer = await fetch(`${server.url}/tessera.session.v1.SessionService/GetJwks`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(answer.status).toBe(415);
    expect(reasonOf(await answer.text())).toBeDefined();
  });
});

describe("a CORS refusal is logged (issue 18 point 4), but a same-origin call is no refusal", () => {
  it("a POST from the server's own origin (what Chromium sends from the demo page at /demo/) logs no 'cors origin refused'", async () => {
    const own = await startTestServer({ ORIGIN: "http://localhost:4321" });
    try {
      const answer = await fetch(`${own.url}/tessera.session.v1.SessionService/GetJwks`, { method: "POST", headers: { "content-type": "application/json", origin: "http://localhost:4321" }, body: "{}" });
      expect(answer.status).toBe(200);
      expect(own.logs.filter((line) => line.includes("cors origin refused"))).toEqual([]);
    } finally {
      await own.close();
    }
  });
});
