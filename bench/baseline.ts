// Child process of bench/run.ts: a plain node:http server answering GET /.well-known/jwks.json
// with the bytes Tessera returned, so the difference to Tessera is Tessera's own work.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { runChild } from "./child.js";
import { jwksPath } from "./protocol.js";

runChild(async ({ body: base64, contentType }) => {
  const body = Buffer.from(base64, "base64");
  const headers = { "content-type": contentType, "content-length": String(body.length) };
  // The same HTTP/1.1 keep-alive timeout as Tessera's listener (src/transport/listener.ts).
  const server = http.createServer({ keepAliveTimeout: 5_000 }, (request, response) => {
    request.resume();
    if (request.method === "GET" && request.url === jwksPath) {
      response.writeHead(200, headers);
      response.end(body);
    } else {
      response.writeHead(404, { "content-length": "0" });
      response.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
});
