// Child process of bench/run.ts: the floor of a unary gRPC call on node:http2, a `stream`
// handler answering every request with the GetJwksResponse frame Tessera sent and
// `grpc-status: 0` trailers, without reading the request. What a gRPC server on Node cannot
// go below; Tessera's gRPC row is compared with it.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { runChild } from "./child.js";

runChild("grpc-floor", async ({ frame: base64 }) => {
  const frame = Buffer.from(base64, "base64");
  const server = http2.createServer({ settings: { maxConcurrentStreams: 250 } });
  server.on("stream", (stream) => {
    stream.resume();
    stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(frame);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
});
