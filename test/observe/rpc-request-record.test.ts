import http from "node:http";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelope } from "../faults/raw-rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";

let server: TestServer;
let session: http2.ClientHttp2Session;
beforeAll(async () => {
  server = await startTestServer();
  session = http2.connect(server.url);
});
afterAll(async () => {
  session?.close();
  await server?.close();
});

/**
 * How a call reaches the server, and so which path serves it: binary gRPC on the HTTP/2 stream
 * itself, Connect POST on the unary path (HTTP/1.1 JSON, HTTP/2 binary), and connect-node for
 * gRPC-Web and gRPC with JSON.
 */
const wires = {
  "grpc (stream path)": { http2: true, contentType: "application/grpc", transport: "grpc", framed: true },
  "connect json (unary path)": { http2: false, contentType: "application/json", transport: "connect", framed: false },
  "connect binary over h2 (unary path)": { http2: true, contentType: "application/proto", transport: "connect", framed: false },
  "grpc-web (connect-node)": { http2: false, contentType: "application/grpc-web+proto", transport: "grpc-web", framed: true },
  "grpc json (connect-node)": { http2: true, contentType: "application/grpc+json", transport: "grpc", framed: true },
} as const;
type Wire = (typeof wires)[keyof typeof wires];

/** Sends one call and answers the response headers (with a trailers-only or trailer grpc-status merged in). */
function call(wire: Wire, path: string, message: Buffer, headers: Record<string, string>): Promise<Record<string, string | string[] | undefined>> {
  const body = wire.framed ? envelope(message) : message;
  if (wire.http2) {
    return new Promise((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": path, "content-type": wire.contentType, te: "trailers", ...headers });
      let head: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on("response", (received) => (head = received));
      stream.on("trailers", (received) => (trailers = received));
      stream.on("data", () => undefined);
      stream.on("error", reject);
      stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.on("close", () => resolve({ ...trailers, ...head }));
      stream.end(body);
    });
  }
  return new Promise((resolve, reject) => {
    const extra = wire.transport === "grpc-web" ? { "x-grpc-web": "1" } : {};
    const request = http.request(new URL(path, server.url), { method: "POST", timeout: 10_000, headers: { "content-type": wire.contentType, "content-length": body.length, ...extra, ...headers } }, (response) => {
      response.on("data", () => undefined);
      response.on("end", () => resolve(response.headers));
    });
    request.on("error", reject);
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.end(body);
  });
}

const jwks = "tessera.session.v1.SessionService/GetJwks";
const currentUser = "tessera.identity.v1.IdentityService/GetCurrentUser";
const bearerSecret = "Bearer not-a-session-token-rpc-record";

/** What each call sends and what its one request line must say. */
const cases = [
  { name: "an answered call", route: jwks, product: "hanko", message: { proto: Buffer.alloc(0), json: "{}" }, headers: {}, line: { rpcCode: "ok" } },
  { name: "a refused credential", route: currentUser, product: "hanko", message: { proto: Buffer.alloc(0), json: "{}" }, headers: { authorization: bearerSecret }, line: { rpcCode: "unauthenticated", reason: "UNAUTHENTICATED" } },
  { name: "a malformed message, refused before any handler", route: jwks, product: "hanko", message: { proto: Buffer.from([0xff, 0xff, 0xff]), json: "{not json" }, headers: {}, line: { rpcCode: "invalid_argument" } },
] as const;

interface RequestLine {
  message: string;
  requestId: string;
  [field: string]: unknown;
}

const lines = () => server.logs.map((line) => JSON.parse(line) as RequestLine).filter((entry) => entry.message === "request");

let sequence = 0;

describe("every RPC, whatever path serves it, has one request record", () => {
  for (const [wireName, wire] of Object.entries(wires)) {
    for (const { name, route, product, message, headers, line } of cases) {
      it(`${name} over ${wireName}: the id is echoed and one line has the RPC, transport and code`, async () => {
        const id = `rpc-record-${process.pid}-${++sequence}`;
        const answer = await call(wire, `/${route}`, wire.contentType.endsWith("json") ? Buffer.from(message.json) : message.proto, { ...headers, "x-request-id": id });
        expect(answer["x-request-id"]).toBe(id);
        await expect.poll(() => lines().filter((entry) => entry.requestId === id).length).toBe(1);
        // One more call on the same connection: a second line for the first id would show by now.
        await call(wire, `/${jwks}`, wire.contentType.endsWith("json") ? Buffer.from("{}") : Buffer.alloc(0), {});
        const mine = lines().filter((entry) => entry.requestId === id);
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({ level: "info", route, product, transport: wire.transport, ...line });
        expect(mine[0]!.durationMs).toBeGreaterThanOrEqual(0);
        expect(typeof mine[0]!.status).toBe("number");
      });
    }
    it(`a call without X-Request-Id over ${wireName} gets a generated one, echoed and logged`, async () => {
      const answer = await call(wire, `/${jwks}`, wire.contentType.endsWith("json") ? Buffer.from("{}") : Buffer.alloc(0), {});
      const id = answer["x-request-id"];
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await expect.poll(() => lines().filter((entry) => entry.requestId === id).length).toBe(1);
    });
  }

  it("no request line holds the credential sent", () => {
    expect(server.logs.join("").includes("not-a-session-token-rpc-record")).toBe(false);
  });
});
