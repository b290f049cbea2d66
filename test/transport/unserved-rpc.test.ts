// A call of a service Tessera does not serve is an RPC all the same: its client reads a status
// and a reason in its own protocol (gRPC and gRPC-Web: grpc-status 12 with the ErrorInfo in
// grpc-status-details-bin; Connect: the error JSON), not the Hanko REST 404 of a path no route
// claims, where it used to land. A REST path nobody serves keeps that 404.
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../../gen/es/tessera/testing/v1/echo_pb.js";
import { EchoServiceService } from "../../gen/grpc-js/tessera/testing/v1/echo.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

describe.each(rpcTransports)("over %s", (transport) => {
  it("a call of a service not served here is UNIMPLEMENTED with the reason NOT_SUPPORTED", async () => {
    expect(await callRpc(transport, server.url, EchoService, EchoServiceService, "GetLiteral", {})).toMatchObject({ ok: false, code: Code.Unimplemented, reason: "NOT_SUPPORTED" });
  });
});

/** The ErrorInfo reasons in a base64 google.rpc.Status (grpc-status-details-bin), read loosely from its bytes. */
function detailsText(value: string | string[] | undefined): string {
  return Buffer.from(String(value ?? ""), "base64").toString("latin1");
}

it.each([
  ["Connect JSON", { "content-type": "application/json", "connect-protocol-version": "1" }],
  ["Connect binary", { "content-type": "application/proto", "connect-protocol-version": "1" }],
  ["a path-shaped call without an RPC content type", {}],
] as const)("/foo.Bar/Baz as %s is the Connect error JSON of UNIMPLEMENTED with its ErrorInfo", async (_name, headers) => {
  const answer = await rest(server.url, "POST", "/foo.Bar/Baz", { rawBody: "{}", headers });
  expect(answer.status).toBe(404);
  expect(answer.json).toMatchObject({ code: "unimplemented", details: [expect.objectContaining({ type: "google.rpc.ErrorInfo" })] });
  const detail = (answer.json as { details: { value: string }[] }).details[0]!;
  expect(detailsText(detail.value)).toContain("NOT_SUPPORTED");
});

it("/foo.Bar/Baz over gRPC-Web is grpc-status 12 with its ErrorInfo", async () => {
  const answer = await rest(server.url, "POST", "/foo.Bar/Baz", { rawBody: Buffer.alloc(5), headers: { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" } });
  expect(answer.status).toBe(200);
  expect(answer.headers["grpc-status"]).toBe(String(Code.Unimplemented));
  expect(detailsText(answer.headers["grpc-status-details-bin"])).toContain("NOT_SUPPORTED");
});

it("keeps Hanko's 404 for a REST path no route claims", async () => {
  for (const [verb, path] of [
    ["GET", "/no/such/path"],
    ["POST", "/nothing"],
    ["GET", "/.well-known/nothing"],
  ] as const) {
    const answer = await rest(server.url, verb, path);
    expect(answer, `${verb} ${path}`).toMatchObject({ status: 404, json: { code: 404, message: "no such resource" } });
  }
});
