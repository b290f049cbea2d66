// Child process of bench/run.ts: a plain node:http server answering GET /me with the least
// the request needs without Tessera: read the Bearer token, verify it (RS256, jose) with the
// published public key (a KeyObject made once), and answer {"id": <sub>}. No database: so
// the difference to Tessera's GET /me is Tessera's routing, key lookup and session-row check.
import { createPublicKey } from "node:crypto";
import type { ServerResponse } from "node:http";
import { jwtVerify } from "jose";
import { listenPlainHttp, runChild } from "./child.js";
import { mePath } from "./protocol.js";

runChild("me-baseline", async ({ jwk }) => {
  const publicKey = createPublicKey({ key: { ...jwk }, format: "jwk" });
  const contentType = "application/json";
  const reply = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { "content-type": contentType, "content-length": String(Buffer.byteLength(body)) });
    response.end(body);
  };
  return listenPlainHttp((request, response) => {
    request.resume();
    if (request.method !== "GET" || request.url !== mePath) return reply(response, 404, "{}");
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];
    if (token === undefined) return reply(response, 401, '{"code":401,"message":"Unauthorized"}');
    jwtVerify(token, publicKey, { algorithms: ["RS256"] }).then(
      ({ payload }) => {
        if (typeof payload.sub !== "string") reply(response, 401, '{"code":401,"message":"Unauthorized"}');
        else reply(response, 200, JSON.stringify({ id: payload.sub }));
      },
      () => reply(response, 401, '{"code":401,"message":"Unauthorized"}'),
    );
  });
});
