import http from "node:http";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { envelope } from "./raw-rpc.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const paths = [SessionService, IdentityService].flatMap((service) => service.methods.map((method) => `/${service.typeName}/${method.name}`));

function h2(contentType: string, path: string, body: Buffer, extra: Record<string, string> = {}): Promise<{ status: string; message: string }> {
  const session = http2.connect(server.url);
  session.on("error", () => undefined);
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": contentType, te: "trailers", ...extra });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    stream.on("response", (h) => (headers = h));
    stream.on("trailers", (t) => (trailers = t));
    stream.on("data", () => undefined);
    stream.on("error", reject);
    stream.on("close", () => {
      session.close();
      resolve({ status: String(trailers["grpc-status"] ?? headers["grpc-status"]), message: decodeURIComponent(String(trailers["grpc-message"] ?? headers["grpc-message"] ?? "")) });
    });
    stream.end(body);
  });
}

function h1(contentType: string, path: string, body: Buffer, extra: Record<string, string> = {}): Promise<{ http: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, server.url), { method: "POST", headers: { "content-type": contentType, "content-length": body.length, ...extra } }, (response) => {
      let text = "";
      response.setEncoding("latin1");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ http: response.statusCode ?? 0, text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("review probes: malformed input the corpus does not send", () => {
  it("malformed JSON over gRPC (application/grpc+json) is INVALID_ARGUMENT", async () => {
    const answers = await Promise.all(paths.map((path) => h2("application/grpc+json", path, envelope(Buffer.from("{")))));
    expect(answers.filter((a) => a.status !== "3")).toEqual([]);
  });
  it("malformed JSON over gRPC-Web (application/grpc-web+json) is INVALID_ARGUMENT", async () => {
    const answers = await Promise.all(paths.map((path) => h1("application/grpc-web+json", path, envelope(Buffer.from("{")), { "x-grpc-web": "1" })));
    expect(answers.filter((a) => !/grpc-status: ?3\b/.test(a.text) || /JSON|unexpected/i.test(a.text))).toEqual([]);
  });
  it("a gzip-flagged gRPC message that is not gzip is INVALID_ARGUMENT", async () => {
    const answers = await Promise.all(paths.map((path) => h2("application/grpc+proto", path, envelope(Buffer.from("0f01", "hex"), 1), { "grpc-encoding": "gzip" })));
    expect(answers.filter((a) => a.status !== "3")).toEqual([]);
  });
  it("a Connect body declared gzip that is not gzip is INVALID_ARGUMENT", async () => {
    const answers = await Promise.all(paths.map((path) => h1("application/proto", path, Buffer.from("0f01", "hex"), { "content-encoding": "gzip", "connect-protocol-version": "1" })));
    expect(answers.filter((a) => a.http >= 500 || !a.text.includes("invalid_argument"))).toEqual([]);
  });
  it("a bad grpc-timeout header is not INTERNAL", async () => {
    const answers = await Promise.all(paths.map((path) => h2("application/grpc+proto", path, envelope(Buffer.alloc(0)), { "grpc-timeout": "xyz" })));
    expect(answers.filter((a) => a.status === "13")).toEqual([]);
  });
});
