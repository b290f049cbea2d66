// Every error a Connect, gRPC-Web or gRPC client gets carries a reason as google.rpc.ErrorInfo
// (domain "tessera"), also the ones no domain code raised: a failure the transport answers
// before any handler runs (an undecodable or oversize message), an unexpected exception, and a
// bare ConnectError. A browser app switches on that reason; without it, it has only a code.
import { fromBinary } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import http from "node:http";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/es/google/rpc/status_pb.js";
import { EchoService } from "../../gen/es/tessera/testing/v1/echo_pb.js";
import { EchoServiceService } from "../../gen/grpc-js/tessera/testing/v1/echo.js";
import { registerService } from "../../src/transport/services.js";
import { envelope } from "../faults/raw-rpc.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";

/** An Echo service whose Fail throws a bare ConnectError of the code named by `kind`, and whose SignToken throws a plain Error. */
function probeServices() {
  return [
    registerService(EchoService, {
      getItem: () => ({}),
      getLiteral: () => ({ route: "literal" }),
      createNote: () => ({}),
      deleteItem: () => ({}),
      fail(request) {
        throw new ConnectError("refused by the probe", Code[request.kind as keyof typeof Code]);
      },
      signToken() {
        throw new Error("secret detail: connection to 10.1.2.3 refused");
      },
    }),
  ];
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { extraServices: probeServices });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

const signTokenPath = "/tessera.testing.v1.EchoService/SignToken";

describe.each(rpcTransports)("over %s", (transport) => {
  it.each([
    ["PermissionDenied", Code.PermissionDenied, "FORBIDDEN"],
    ["DeadlineExceeded", Code.DeadlineExceeded, "DEADLINE_EXCEEDED"],
    ["Unavailable", Code.Unavailable, "UNAVAILABLE"],
  ] as const)("a bare ConnectError %s carries the reason of its code", async (kind, code, reason) => {
    const result = await callRpc(transport, server.url, EchoService, EchoServiceService, "fail", { reason: "x", kind });
    expect(result).toMatchObject({ ok: false, code, reason, message: "refused by the probe" });
  });

  // An exception's words (hosts, SQL) must not reach the caller; the reason INTERNAL does.
  it("an unexpected exception is Internal with the reason INTERNAL and a generic message", async () => {
    const result = await callRpc(transport, server.url, EchoService, EchoServiceService, "signToken", { token: "x" });
    expect(result).toMatchObject({ ok: false, code: Code.Internal, reason: "INTERNAL", message: "internal error" });
    expect(JSON.stringify(result)).not.toContain("10.1.2.3");
  });

  it("an oversize message is RESOURCE_EXHAUSTED with the reason BODY_TOO_LARGE", async () => {
    const result = await callRpc(transport, server.url, EchoService, EchoServiceService, "signToken", { token: "y".repeat(70 * 1024) });
    expect(result).toMatchObject({ ok: false, code: Code.ResourceExhausted, reason: "BODY_TOO_LARGE" });
  });
});

/** The code and the ErrorInfo reasons of a raw answer, read as a client reads each protocol. */
interface Answer {
  code: number;
  reasons: string[];
}

function statusReasons(bin: string | undefined): string[] {
  if (bin === undefined) return [];
  const status = fromBinary(StatusSchema, Buffer.from(bin, "base64"));
  return status.details.map((detail) => anyUnpack(detail, ErrorInfoSchema)?.reason ?? "?");
}

function rawGrpc(body: Buffer): Promise<Answer> {
  const session = http2.connect(server.url);
  return new Promise<Answer>((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": signTokenPath, "content-type": "application/grpc", te: "trailers" });
    let fields: http2.IncomingHttpHeaders = {};
    stream.on("response", (received) => (fields = { ...fields, ...received }));
    stream.on("trailers", (received) => (fields = { ...fields, ...received }));
    stream.on("data", () => undefined);
    stream.on("error", reject);
    stream.on("close", () => resolve({ code: Number(fields["grpc-status"]), reasons: statusReasons(fields["grpc-status-details-bin"] as string | undefined) }));
    stream.end(body);
  }).finally(() => session.close());
}

function rawHttp1(contentType: string, body: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(signTokenPath, server.url), { method: "POST", headers: { "content-type": contentType, "content-length": body.length, ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function rawGrpcWeb(body: Buffer): Promise<Answer> {
  const answer = await rawHttp1("application/grpc-web+proto", body, { "x-grpc-web": "1" });
  const text = answer.body.toString("latin1");
  const field = (name: string) => new RegExp(`${name}:\\s*([^\\r\\n]*)`, "i").exec(text)?.[1] ?? (answer.headers[name] as string | undefined);
  return { code: Number(field("grpc-status")), reasons: statusReasons(field("grpc-status-details-bin")) };
}

async function rawConnect(contentType: string, body: Buffer): Promise<Answer & { name: string }> {
  const answer = await rawHttp1(contentType, body, { "connect-protocol-version": "1" });
  const parsed = JSON.parse(answer.body.toString("utf8")) as { code: string; details?: { type: string; value: string }[] };
  const reasons = (parsed.details ?? []).filter((detail) => detail.type === "google.rpc.ErrorInfo").map((detail) => fromBinary(ErrorInfoSchema, Buffer.from(detail.value, "base64")).reason);
  return { code: answer.status, name: parsed.code, reasons };
}

describe("a message that cannot be decoded is INVALID_ARGUMENT with the reason MALFORMED_BODY", () => {
  // Field 1 (token, a string) declared 100 bytes long with 1 byte present.
  const broken = Buffer.from([0x0a, 0x64, 0x41]);

  it("over gRPC", async () => {
    expect(await rawGrpc(envelope(broken))).toEqual({ code: Code.InvalidArgument, reasons: ["MALFORMED_BODY"] });
  });

  it("over gRPC-Web", async () => {
    expect(await rawGrpcWeb(envelope(broken))).toEqual({ code: Code.InvalidArgument, reasons: ["MALFORMED_BODY"] });
  });

  it("over Connect JSON", async () => {
    expect(await rawConnect("application/json", Buffer.from('{"token": '))).toEqual({ code: 400, name: "invalid_argument", reasons: ["MALFORMED_BODY"] });
  });

  it("over Connect binary", async () => {
    expect(await rawConnect("application/proto", broken)).toEqual({ code: 400, name: "invalid_argument", reasons: ["MALFORMED_BODY"] });
  });
});

describe("connect-node's own early refusals carry the reason of their code", () => {
  it("an unknown grpc-encoding over gRPC-Web is UNIMPLEMENTED with the reason NOT_SUPPORTED", async () => {
    const answer = await rawHttp1("application/grpc-web+proto", envelope(Buffer.from("abc"), 1), { "x-grpc-web": "1", "grpc-encoding": "snappy" });
    const text = answer.body.toString("latin1");
    const field = (name: string) => new RegExp(`${name}:\\s*([^\\r\\n]*)`, "i").exec(text)?.[1] ?? (answer.headers[name] as string | undefined);
    expect({ code: Number(field("grpc-status")), reasons: statusReasons(field("grpc-status-details-bin")) }).toEqual({ code: Code.Unimplemented, reasons: ["NOT_SUPPORTED"] });
  });
});
