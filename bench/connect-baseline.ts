// Child process of bench/run.ts: a bare connect-node server (connectNodeAdapter on node:http2,
// no interceptor) serving only SessionService/GetJwks with the keys Tessera sent: what
// connect-node itself costs per unary call, beside the floor and Tessera.
import { fromBinary } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { GetJwksResponseSchema, SessionService } from "../gen/es/tessera/session/v1/session_pb.js";
import { runChild } from "./child.js";

runChild("connect-baseline", async ({ frame: base64 }) => {
  const frame = Buffer.from(base64, "base64");
  const { keys } = fromBinary(GetJwksResponseSchema, frame.subarray(5));
  const handler = connectNodeAdapter({ routes: (router) => router.service(SessionService, { getJwks: () => ({ keys }) }) });
  const server = http2.createServer({ settings: { maxConcurrentStreams: 250 } }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
});
