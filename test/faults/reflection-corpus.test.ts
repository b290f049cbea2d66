import http2 from "node:http2";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/server.js";
import { envelope, grpcCall } from "./raw-rpc.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

// Issue 13, point 6: malformed protobuf "on every RPC" is INVALID_ARGUMENT with a generic
// message. The corpus covers the six product services, not the reflection service the same
// listener serves (a bidi stream: its messages are parsed after the interceptors ran).
it("answers malformed protobuf on the reflection stream with INVALID_ARGUMENT, not INTERNAL", async () => {
  const session = http2.connect(server.url);
  session.on("error", () => undefined);
  try {
    const answer = await grpcCall(session, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", envelope(Buffer.from("0f01", "hex")));
    expect({ code: answer.code, message: answer.message }).toEqual({ code: 3, message: "malformed request message" });
    expect(server.logs.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  } finally {
    session.close();
  }
});
