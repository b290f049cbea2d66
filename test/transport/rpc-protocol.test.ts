// The RPC protocol as clients see it, over the unary path and connect-node alike: metadata in
// and out (ASCII and -bin), deadlines (grpc-timeout, connect-timeout-ms) that abort the
// handler's signal, trailers-only errors with grpc-status, a percent-encoded grpc-message and
// grpc-status-details-bin, gzip both ways, UNIMPLEMENTED for an unknown encoding or method,
// RESOURCE_EXHAUSTED for an oversize message on that stream only, connect-protocol-version,
// and a wrong HTTP method answered 405 with Allow in the Connect error shape.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type HandlerContext } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { execFile } from "node:child_process";
import http from "node:http";
import http2 from "node:http2";
import { promisify } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/es/google/rpc/status_pb.js";
import { EchoService, SignTokenRequestSchema, SignTokenResponseSchema } from "../../gen/es/tessera/testing/v1/echo_pb.js";
import { EchoServiceClient } from "../../gen/grpc-js/tessera/testing/v1/echo.js";
import { DomainError } from "../../src/core/errors/domain-error.js";
import { registerService } from "../../src/transport/services.js";
import { envelope } from "../faults/raw-rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";

/** What the probe's handler saw when its signal aborted, per token. */
const aborted = new Map<string, { code: Code | undefined }>();

/**
 * SignToken as a probe: "metadata" answers the request metadata it read and sets headers and
 * trailers of its own; "wait:<id>" waits for its signal (at most 5 s) and records why it
 * aborted; "big" answers 4 KiB (compressed when the client accepts gzip); else echoes.
 */
function probeServices() {
  return [
    registerService(EchoService, {
      getItem: () => ({}),
      getLiteral: () => ({ route: "literal" }),
      createNote: () => ({}),
      deleteItem: () => ({}),
      fail(request) {
        throw new DomainError("INVALID_FIELD", "invalid", `bad field: ${request.reason} 100% é`);
      },
      async signToken(request, context: HandlerContext) {
        if (request.token === "metadata") {
          context.responseHeader.set("x-answer", "header value");
          context.responseHeader.set("x-answer-bin", Buffer.from([0, 1, 2, 255]).toString("base64"));
          context.responseTrailer.set("x-trailer", "trailer value");
          const seen = { ascii: context.requestHeader.get("x-probe"), bin: context.requestHeader.get("x-probe-bin") };
          return { token: JSON.stringify(seen), length: 0 };
        }
        if (request.token.startsWith("wait:")) {
          const signal = context.signal;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 5_000);
            signal.addEventListener("abort", () => {
              clearTimeout(timer);
              resolve();
            });
          });
          aborted.set(request.token, { code: signal.aborted ? ConnectError.from(signal.reason).code : undefined });
          signal.throwIfAborted();
          return { token: "not aborted", length: 0 };
        }
        if (request.token === "big") return { token: "x".repeat(4096), length: 4096 };
        return { token: request.token, length: request.token.length };
      },
    }),
  ];
}

let server: TestServer;
let grpcClient: EchoServiceClient;
beforeAll(async () => {
  server = await startTestServer({}, { extraServices: probeServices });
  grpcClient = new EchoServiceClient(server.address, grpc.credentials.createInsecure());
});
afterAll(async () => {
  grpcClient?.close();
  await server?.close();
});

const signTokenPath = "/tessera.testing.v1.EchoService/SignToken";

/** One raw gRPC exchange on its own HTTP/2 connection: response headers, trailers, body. */
async function rawGrpc(path: string, body: Buffer, headers: Record<string, string> = {}, { endStream = true } = {}) {
  const session = http2.connect(server.url);
  try {
    return await new Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders | undefined; body: Buffer }>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
      let head: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      stream.on("response", (received) => (head = received));
      stream.on("trailers", (received) => (trailers = received));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", reject);
      stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.on("close", () => resolve({ headers: head, trailers, body: Buffer.concat(chunks) }));
      if (endStream) stream.end(body);
      else stream.write(body);
    });
  } finally {
    session.close();
  }
}

function signTokenEnvelope(token: string): Buffer {
  return envelope(Buffer.from(toBinary(SignTokenRequestSchema, create(SignTokenRequestSchema, { token }))));
}

/** SignToken over grpc-js with `metadata`; the answer, its header and trailer metadata. */
function grpcSignToken(token: string, metadata = new grpc.Metadata(), options: Partial<grpc.CallOptions> = {}, client = grpcClient) {
  return new Promise<{ error: grpc.ServiceError | null; token: string | undefined; header: grpc.Metadata | undefined; trailer: grpc.Metadata | undefined }>((resolve) => {
    let header: grpc.Metadata | undefined;
    let trailer: grpc.Metadata | undefined;
    const call = client.signToken({ token }, metadata, { deadline: Date.now() + 10_000, ...options }, (error, response) => {
      setImmediate(() => resolve({ error, token: response?.token, header, trailer }));
    });
    call.on("metadata", (received) => (header = received));
    call.on("status", (status) => (trailer = status.metadata));
  });
}

describe("metadata in and out", () => {
  it("reaches the handler and comes back, ASCII and -bin, over grpc-js", async () => {
    const metadata = new grpc.Metadata();
    metadata.set("x-probe", "ascii value");
    metadata.set("x-probe-bin", Buffer.from([9, 8, 7]));
    const answer = await grpcSignToken("metadata", metadata);
    expect(answer.error).toBeNull();
    expect(JSON.parse(answer.token ?? "{}")).toEqual({ ascii: "ascii value", bin: Buffer.from([9, 8, 7]).toString("base64") });
    expect(answer.header?.get("x-answer")).toEqual(["header value"]);
    expect(answer.header?.get("x-answer-bin")).toEqual([Buffer.from([0, 1, 2, 255])]);
    expect(answer.trailer?.get("x-trailer")).toEqual(["trailer value"]);
  });

  const transports = {
    "connect JSON over HTTP/1.1": () => createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }),
    "connect binary over HTTP/2": () => createConnectTransport({ baseUrl: server.url, httpVersion: "2", useBinaryFormat: true }),
    "gRPC over connect-node": () => createGrpcTransport({ baseUrl: server.url }),
  };
  it.each(Object.keys(transports) as Array<keyof typeof transports>)("reaches the handler and comes back over %s", async (name) => {
    const transport = transports[name]();
    const client = createClient(EchoService, transport);
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const response = await client.signToken(
      { token: "metadata" },
      { headers: { "x-probe": "ascii value", "x-probe-bin": Buffer.from([9, 8, 7]).toString("base64") }, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
    );
    expect(JSON.parse(response.token)).toEqual({ ascii: "ascii value", bin: Buffer.from([9, 8, 7]).toString("base64") });
    expect(header?.get("x-answer")).toBe("header value");
    expect(header?.get("x-answer-bin")).toBe(Buffer.from([0, 1, 2, 255]).toString("base64"));
    expect(trailer?.get("x-trailer")).toBe("trailer value");
  });
});

describe("deadlines", () => {
  it("grpc-timeout aborts the handler's signal with DEADLINE_EXCEEDED and answers it", async () => {
    const started = Date.now();
    const answer = await rawGrpc(signTokenPath, signTokenEnvelope("wait:grpc-raw"), { "grpc-timeout": "200m" });
    expect(answer.headers["grpc-status"] ?? answer.trailers?.["grpc-status"]).toBe(String(Code.DeadlineExceeded));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(aborted.get("wait:grpc-raw")).toEqual({ code: Code.DeadlineExceeded });
  });

  it("a grpc-js deadline is DEADLINE_EXCEEDED and the handler's signal aborts", async () => {
    const answer = await grpcSignToken("wait:grpc-js", new grpc.Metadata(), { deadline: Date.now() + 200 });
    expect(answer.error?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await expect.poll(() => aborted.get("wait:grpc-js")?.code, { timeout: 3_000 }).toBeDefined();
    expect([Code.DeadlineExceeded, Code.Canceled]).toContain(aborted.get("wait:grpc-js")?.code);
  });

  it("connect-timeout-ms aborts the handler's signal and answers deadline_exceeded", async () => {
    const started = Date.now();
    const answer = await rawConnect(signTokenPath, JSON.stringify({ token: "wait:connect" }), { "connect-timeout-ms": "200" });
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.body.toString("utf8"))).toMatchObject({ code: "deadline_exceeded" });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(aborted.get("wait:connect")).toEqual({ code: Code.DeadlineExceeded });
  });
});

describe("deadlines while the body arrives", () => {
  // A client that sends the headers and holds the body back held the call (and its stream) for
  // the fixed 10 s body timeout, whatever deadline it had asked for.
  it("grpc-timeout bounds the wait for the request body: DEADLINE_EXCEEDED", async () => {
    const started = Date.now();
    const whole = signTokenEnvelope("never finished");
    const answer = await rawGrpc(signTokenPath, whole.subarray(0, 4), { "grpc-timeout": "200m" }, { endStream: false });
    expect(answer.headers["grpc-status"] ?? answer.trailers?.["grpc-status"]).toBe(String(Code.DeadlineExceeded));
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("connect-timeout-ms bounds the wait for the request body: deadline_exceeded", async () => {
    const started = Date.now();
    const answer = await rawConnect(signTokenPath, Buffer.from('{"token":'), { "connect-timeout-ms": "200", "content-length": "100" }, { endBody: false });
    expect(answer.status).toBe(504);
    expect(JSON.parse(answer.body.toString("utf8"))).toMatchObject({ code: "deadline_exceeded" });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe("errors", () => {
  it("are trailers-only with grpc-status, a percent-encoded grpc-message and ErrorInfo in grpc-status-details-bin", async () => {
    const failPath = "/tessera.testing.v1.EchoService/Fail";
    const answer = await rawGrpc(failPath, envelope(Buffer.from([0x12, 0x01, 0x78])));
    // Trailers-only: the status is in the one HEADERS frame, no body, no trailers.
    expect(answer.trailers).toBeUndefined();
    expect(answer.body.length).toBe(0);
    expect(answer.headers["grpc-status"]).toBe(String(Code.InvalidArgument));
    expect(answer.headers["grpc-message"]).toBe(encodeURIComponent("bad field: x 100% é"));
    const status = fromBinary(StatusSchema, Buffer.from(String(answer.headers["grpc-status-details-bin"]), "base64"));
    expect(status.code).toBe(Code.InvalidArgument);
    expect(status.details.map((detail) => anyUnpack(detail, ErrorInfoSchema)?.reason)).toEqual(["INVALID_FIELD"]);
  });

  it("an unknown method is UNIMPLEMENTED over grpc-js and Connect", async () => {
    const method = "/tessera.testing.v1.EchoService/NoSuchMethod";
    const grpcCode = await new Promise<number>((resolve) => {
      grpcClient.makeUnaryRequest(method, (value: Buffer) => value, (value: Buffer) => value, Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error) => resolve(error?.code ?? 0));
    });
    expect(grpcCode).toBe(grpc.status.UNIMPLEMENTED);
    const connect = await rawConnect(method, "{}");
    expect(connect.status).toBe(404);
  });

  it("the Connect error JSON carries the code, the message and ErrorInfo", async () => {
    const answer = await rawConnect("/tessera.testing.v1.EchoService/Fail", JSON.stringify({ reason: "x" }), { "connect-protocol-version": "1" });
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.body.toString("utf8")) as { code: string; message: string; details: Array<{ type: string; value: string }> };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toBe("bad field: x 100% é");
    expect(body.details.map((detail) => [detail.type, fromBinary(ErrorInfoSchema, Buffer.from(detail.value, "base64")).reason])).toEqual([["google.rpc.ErrorInfo", "INVALID_FIELD"]]);
  });
});

/** One request of `method` over HTTP/1.1 or HTTP/2 (prior knowledge): status, headers, body. */
async function rawRequest(version: "1.1" | "2", method: string, path: string, body?: string) {
  if (version === "1.1") {
    return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const request = http.request(new URL(path, server.url), { method, timeout: 10_000, headers: body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      });
      request.on("error", reject);
      request.on("timeout", () => request.destroy(new Error("timed out")));
      request.end(body);
    });
  }
  const session = http2.connect(server.url);
  try {
    return await new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      const stream = session.request({ ":method": method, ":path": path, ...(body === undefined ? {} : { "content-type": "application/json" }) }, { endStream: body === undefined });
      let head: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on("response", (received) => (head = received));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", reject);
      stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.on("close", () => resolve({ status: Number(head[":status"]), headers: head, body: Buffer.concat(chunks) }));
      if (body !== undefined) stream.end(body);
    });
  } finally {
    session.close();
  }
}

describe("a wrong HTTP method on an RPC path", () => {
  // connect-node answers it 405 with no body and no Allow: a browser or curl user learned nothing.
  it.each([
    ["1.1", "PUT", "{}"],
    ["1.1", "GET", undefined],
    ["2", "PUT", "{}"],
    ["2", "DELETE", undefined],
  ] as const)("over HTTP/%s, %s is 405 with Allow and the Connect error JSON: unimplemented with ErrorInfo METHOD_NOT_ALLOWED", async (version, method, body) => {
    const answer = await rawRequest(version, method, signTokenPath, body);
    expect(answer.status).toBe(405);
    expect(answer.headers["allow"]).toBe("POST");
    expect(answer.headers["content-type"]).toBe("application/json");
    const error = JSON.parse(answer.body.toString("utf8")) as { code: string; message: string; details: Array<{ type: string; value: string }> };
    expect(error.code).toBe("unimplemented");
    expect(error.message).toBe(`HTTP method ${method} is not allowed on this RPC: use POST`);
    expect(error.details.map((detail) => [detail.type, fromBinary(ErrorInfoSchema, Buffer.from(detail.value, "base64")).reason])).toEqual([["google.rpc.ErrorInfo", "METHOD_NOT_ALLOWED"]]);
  });
});

describe("compression", () => {
  it("a gzip request is read and a large answer comes back gzip when accepted", async () => {
    const payload = Buffer.from(toBinary(SignTokenRequestSchema, create(SignTokenRequestSchema, { token: "big" })));
    const answer = await rawGrpc(signTokenPath, envelope(gzipSync(payload), 1), { "grpc-encoding": "gzip", "grpc-accept-encoding": "gzip" });
    expect(answer.trailers?.["grpc-status"]).toBe("0");
    expect(answer.headers["grpc-encoding"]).toBe("gzip");
    expect(answer.body[0]).toBe(1);
    const message = fromBinary(SignTokenResponseSchema, gunzipSync(answer.body.subarray(5)));
    expect(message.token).toBe("x".repeat(4096));
  });

  it("grpc-js with gzip on the channel gets its answer", async () => {
    const client = new EchoServiceClient(server.address, grpc.credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 });
    try {
      const answer = await grpcSignToken("big", new grpc.Metadata(), {}, client);
      expect(answer.error).toBeNull();
      expect(answer.token).toBe("x".repeat(4096));
    } finally {
      client.close();
    }
  });

  it("an unknown grpc-encoding is UNIMPLEMENTED", async () => {
    const answer = await rawGrpc(signTokenPath, envelope(Buffer.from("abc"), 1), { "grpc-encoding": "snappy" });
    expect(answer.headers["grpc-status"] ?? answer.trailers?.["grpc-status"]).toBe(String(Code.Unimplemented));
  });

  it("a Connect body in gzip is read, and an unknown content-encoding is unimplemented", async () => {
    const ok = await rawConnect(signTokenPath, gzipSync(JSON.stringify({ token: "zipped" })), { "content-encoding": "gzip" });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString("utf8"))).toEqual({ token: "zipped", length: 6 });
    const unknown = await rawConnect(signTokenPath, JSON.stringify({ token: "x" }), { "content-encoding": "snappy" });
    expect(JSON.parse(unknown.body.toString("utf8"))).toMatchObject({ code: "unimplemented" });
  });
});

describe("message size", () => {
  it("an oversize message is RESOURCE_EXHAUSTED on its stream while the channel serves the next call", async () => {
    const [big, small] = await Promise.all([grpcSignToken("y".repeat(70 * 1024)), grpcSignToken("small")]);
    expect(big.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(small.error).toBeNull();
    expect(small.token).toBe("small");
    const after = await grpcSignToken("after");
    expect(after.token).toBe("after");
  });

  it("an oversize Connect body is resource_exhausted", async () => {
    const answer = await rawConnect(signTokenPath, JSON.stringify({ token: "y".repeat(70 * 1024) }));
    expect(JSON.parse(answer.body.toString("utf8"))).toMatchObject({ code: "resource_exhausted" });
  });
});

describe("connect-protocol-version", () => {
  it.each([["1"], [undefined]])("a unary call with connect-protocol-version %s is served", async (version) => {
    const answer = await rawConnect(signTokenPath, JSON.stringify({ token: "v" }), version === undefined ? {} : { "connect-protocol-version": version });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString("utf8"))).toEqual({ token: "v", length: 1 });
  });
});

describe("buf curl", () => {
  it("calls a unary RPC over gRPC with the schema from reflection, metadata in", async () => {
    const run = promisify(execFile);
    const { stdout } = await run(
      "npx",
      ["buf", "curl", "--protocol", "grpc", "--http2-prior-knowledge", "-H", "x-probe: from buf", "-d", JSON.stringify({ token: "metadata" }), `${server.url}${signTokenPath}`],
      { timeout: 30_000 },
    );
    const answer = JSON.parse(stdout) as { token: string };
    expect(JSON.parse(answer.token)).toEqual({ ascii: "from buf", bin: null });
  });
});

/** One Connect POST over HTTP/1.1 (JSON unless `headers` say otherwise). */
function rawConnect(path: string, body: string | Buffer, headers: Record<string, string> = {}, { endBody = true } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    const request = http.request(new URL(path, server.url), { method: "POST", timeout: 10_000, headers: { "content-type": "application/json", "content-length": bytes.length, ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on("error", reject);
    request.on("timeout", () => request.destroy(new Error("timed out")));
    if (endBody) request.end(bytes);
    else request.write(bytes);
  });
}
