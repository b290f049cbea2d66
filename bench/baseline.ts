// Child process of bench/run.ts: a plain node:http server answering GET /.well-known/jwks.json
// with the bytes Tessera returned, so the difference to Tessera is Tessera's own work.
import { listenPlainHttp, runChild } from "./child.js";
import { jwksPath } from "./protocol.js";

runChild("jwks-baseline", async ({ body: base64, contentType }) => {
  const body = Buffer.from(base64, "base64");
  const headers = { "content-type": contentType, "content-length": String(body.length) };
  return listenPlainHttp((request, response) => {
    request.resume();
    if (request.method === "GET" && request.url === jwksPath) {
      response.writeHead(200, headers);
      response.end(body);
    } else {
      response.writeHead(404, { "content-length": "0" });
      response.end();
    }
  });
});
