// Child process of bench/run.ts: a plain node:http server answering Authentiq's POST /key/{PK}
// with the least the request needs without Tessera: read the application/jwt body, check its
// `sub` is the path's key, import that Ed25519 key and verify the EdDSA signature (jose, as
// Tessera does), and answer {"status":"confirmed"}. No database: the difference to Tessera is
// Tessera's routing, transcoding, key lookup and device-token update.
import type { ServerResponse } from "node:http";
import { compactVerify, decodeJwt, importJWK } from "jose";
import { authentiqUpdateAnswer } from "./authentiq.js";
import { listenPlainHttp, runChild } from "./child.js";

runChild("authentiq-baseline", async () => {
  const reply = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });
    response.end(body);
  };
  return listenPlainHttp((request, response) => {
    const pk = /^\/key\/([A-Za-z0-9_-]{43})$/.exec(request.url ?? "")?.[1];
    if (request.method !== "POST" || pk === undefined) {
      request.resume();
      return reply(response, 404, "{}");
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const jwt = Buffer.concat(chunks).toString("utf8").trim();
      let sub: unknown;
      try {
        sub = decodeJwt(jwt).sub;
      } catch {
        return reply(response, 400, '{"error":400}');
      }
      if (sub !== pk) return reply(response, 401, '{"error":401}');
      importJWK({ kty: "OKP", crv: "Ed25519", x: pk }, "EdDSA")
        .then((key) => compactVerify(jwt, key, { algorithms: ["EdDSA"] }))
        .then(
          () => reply(response, 200, authentiqUpdateAnswer),
          () => reply(response, 401, '{"error":401}'),
        );
    });
  });
});
