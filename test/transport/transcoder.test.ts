import { Code } from "@connectrpc/connect";
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EchoService } from "../../gen/es/tessera/testing/v1/echo_pb.js";
import { EchoServiceService } from "../../gen/grpc-js/tessera/testing/v1/echo.js";
import { echoServices } from "../harness/echo-service.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ CORS_ORIGINS: "https://app.example.com" }, { extraServices: echoServices });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

describe("REST routes come from the proto", () => {
  it("binds path variables, query parameters, a header and a cookie, and answers with a header and a cookie", async () => {
    const response = await rest(server.url, "GET", "/echo/my%20shelf/items/42?filter=new&verbose=true&tags=a&tags=b&unknown=1", {
      headers: { "X-Trace": "trace-1", Cookie: "other=x; session=s%3D1" },
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      echo: { name: "my shelf", itemId: 42, filter: "new", verbose: true, tags: ["a", "b"], trace: "trace-1", session: "s=1" },
      cookieMaxAge: 120,
    });
    expect(response.headers["x-item-version"]).toBe("v42");
    expect(response.headers["set-cookie"]).toEqual(["last_item=item-42; Path=/; Max-Age=120; HttpOnly; SameSite=Strict"]);
  });

  it("answers HEAD with the GET status and headers and no body", async () => {
    const get = await rest(server.url, "GET", "/echo/shelf/items/7");
    const head = await rest(server.url, "HEAD", "/echo/shelf/items/7");
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    expect(head.headers["content-length"]).toBe(get.headers["content-length"]);
    expect(head.headers["x-item-version"]).toBe("v7");
  });

  it("prefers a literal segment over a variable one", async () => {
    expect((await rest(server.url, "GET", "/echo/literal/items/latest")).json).toEqual({ route: "literal" });
    expect((await rest(server.url, "GET", "/echo/literal/items/3")).json).toMatchObject({ echo: { name: "literal", itemId: 3 } });
  });

  it("reads repeated slashes in a path as one", async () => {
    const response = await rest(server.url, "GET", `${server.url}//echo//shelf/items/7`);
    expect(response).toMatchObject({ status: 200, json: { echo: { name: "shelf", itemId: 7 } } });
  });

  it("puts a JSON body into the declared field and answers the declared 201", async () => {
    const response = await rest(server.url, "POST", "/echo/shelf/notes", { body: { text: "hello", priority: 2, ignored: true } });
    expect(response.status).toBe(201);
    expect(response.json).toEqual({ name: "shelf", note: { text: "hello", priority: 2 } });
  });

  it("answers the status a response field declares, and leaves that field out of the body", async () => {
    const response = await rest(server.url, "POST", "/echo/shelf/notes", { body: { text: "again", priority: 9 } });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ name: "shelf", note: { text: "again", priority: 9 } });
  });

  it("takes an application/jwt body and answers the token itself when application/jwt is accepted", async () => {
    const token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln";
    const json = await rest(server.url, "POST", "/echo/tokens", { rawBody: token, headers: { "content-type": "application/jwt" } });
    expect(json.status).toBe(200);
    expect(json.json).toEqual({ length: token.length, token });
    const jwt = await rest(server.url, "POST", "/echo/tokens", { rawBody: token, headers: { "content-type": "application/jwt", accept: "application/jwt" } });
    expect(jwt.headers["content-type"]).toBe("application/jwt");
    expect(jwt.text).toBe(token);
  });

  it("answers 204 with no body, or the declared 202 while the field says so", async () => {
    const done = await rest(server.url, "DELETE", "/echo/finished");
    expect(done.status).toBe(204);
    expect(done.text).toBe("");
    const pending = await rest(server.url, "DELETE", "/echo/pending");
    expect(pending.status).toBe(202);
    expect(pending.json).toEqual({ pending: true });
  });

  it("serves REST over cleartext HTTP/2 on the same port", async () => {
    const session = http2.connect(server.url);
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ":path": "/echo/h2/items/5", ":method": "GET" });
        let status = 0;
        let body = "";
        stream.on("response", (headers) => (status = Number(headers[":status"])));
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => (body += chunk));
        stream.on("end", () => resolve({ status, body }));
        stream.on("error", reject);
      });
      expect(status).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ echo: { name: "h2", itemId: 5 } });
    } finally {
      session.close();
    }
  });
});

describe.each(rpcTransports)("the same handler over %s", (transport) => {
  it("gets the same answer as REST", async () => {
    const result = await callRpc(transport, server.url, EchoService, EchoServiceService, "getItem", { name: "shelf", itemId: 9, tags: ["x"] });
    expect(result).toEqual({
      ok: true,
      output: { echo: { name: "shelf", itemId: 9, filter: "", verbose: false, tags: ["x"], trace: "", session: "" }, version: "v9", cookieValue: "item-9", cookieMaxAge: 120 },
    });
  });

  it("carries a domain error's reason as google.rpc.ErrorInfo with the kind's code", async () => {
    const result = await callRpc(transport, server.url, EchoService, EchoServiceService, "fail", { reason: "UNKNOWN_KEY", kind: "not_found" });
    expect(result).toMatchObject({ ok: false, code: Code.NotFound, reason: "UNKNOWN_KEY" });
  });

  // An unexpected error must not leak internals (hosts, SQL, stack) to the caller.
  it("answers an unexpected error with Internal and a generic message", async () => {
    const result = await callRpc(transport, server.url, EchoService, EchoServiceService, "fail", {});
    expect(result).toMatchObject({ ok: false, code: Code.Internal, reason: "INTERNAL" });
    expect(JSON.stringify(result)).not.toContain("10.1.2.3");
  });
});

describe("errors are answered in the dialect of the API whose path it is", () => {
  it("answers an unknown path under a Jincor route 404 in Jincor's shape", async () => {
    const response = await rest(server.url, "GET", "/echo/shelf/items/1/extra");
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ status: 404, error: "Not found" });
  });

  it("answers an unknown top-level path 404 in Hanko's shape", async () => {
    const response = await rest(server.url, "GET", "/no/such/thing");
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ code: 404, message: "no such resource" });
  });

  it("answers a wrong method 405 with Allow, in the route's dialect", async () => {
    const jincor = await rest(server.url, "PUT", "/echo/shelf");
    expect(jincor.status).toBe(405);
    expect(jincor.headers.allow).toBe("DELETE");
    expect(jincor.json).toMatchObject({ status: 405 });
    const hanko = await rest(server.url, "DELETE", "/users");
    expect(hanko.status).toBe(405);
    expect(hanko.json).toEqual({ code: 405, message: "DELETE is not allowed here" });
  });

  it("answers malformed JSON 400 (Hanko) or 422 (Jincor)", async () => {
    const hanko = await rest(server.url, "POST", "/users", { rawBody: '{"email": ', headers: { "content-type": "application/json" } });
    expect(hanko.status).toBe(400);
    expect(hanko.json).toEqual({ code: 400, message: "the request body is not valid JSON" });
    const jincor = await rest(server.url, "POST", "/echo/shelf/notes", { rawBody: "[1,", headers: { "content-type": "application/json" } });
    expect(jincor.status).toBe(422);
    expect(jincor.json).toEqual({ status: 422, error: "Invalid request" });
  });

  it("answers a field of the wrong type 400 naming the field", async () => {
    const response = await rest(server.url, "POST", "/users", { body: { email: { nested: true } } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ code: 400, message: "email has the wrong type" });
    const jincor = await rest(server.url, "POST", "/echo/shelf/notes", { body: { priority: "high" } });
    expect(jincor.status).toBe(422);
    expect(jincor.json).toEqual({ status: 422, error: "Invalid request", details: [{ path: "priority", error: "has the wrong type" }] });
  });

  it("answers a query boolean that is not a boolean 422 in Jincor's shape", async () => {
    const response = await rest(server.url, "GET", "/echo/shelf/items/1?verbose=maybe");
    expect(response.status).toBe(422);
    expect(response.json).toMatchObject({ status: 422, details: [{ path: "verbose" }] });
  });

  // A client must not be able to make the server buffer an unbounded body.
  it("answers a body over 64 KiB 413 in the route's dialect", async () => {
    const big = JSON.stringify({ email: "x".repeat(65 * 1024) });
    const hanko = await rest(server.url, "POST", "/users", { rawBody: big, headers: { "content-type": "application/json" } });
    expect(hanko.status).toBe(413);
    expect(hanko.json).toMatchObject({ code: 413 });
    const authentiq = await rest(server.url, "POST", "/echo/tokens", { rawBody: "x".repeat(70_000), headers: { "content-type": "application/jwt" } });
    expect(authentiq.status).toBe(413);
    expect(authentiq.json).toMatchObject({ error: 413, type: "body-too-large", title: "body-too-large" });
  });

  it("answers a body just under 64 KiB normally", async () => {
    const response = await rest(server.url, "POST", "/echo/shelf/notes", { body: { text: "y".repeat(60 * 1024) } });
    expect(response.status).toBe(201);
  });

  it("answers a wrong content type 415", async () => {
    const response = await rest(server.url, "POST", "/echo/tokens", { rawBody: "<xml/>", headers: { "content-type": "application/xml" } });
    expect(response.status).toBe(415);
    expect(response.json).toMatchObject({ error: 415, type: "unsupported-media-type" });
  });

  it("renders a domain error with its kind's status in the route's dialect", async () => {
    const hanko = await rest(server.url, "POST", "/echo-fail/hanko", { body: { reason: "EMAIL_TAKEN", kind: "conflict" } });
    expect(hanko.status).toBe(409);
    expect(hanko.json).toEqual({ code: 409, message: "failed with EMAIL_TAKEN" });
  });

  // The cause of an unexpected failure goes to the log, never to the client.
  it("answers an unexpected error 500 with a generic message and logs the cause", async () => {
    const response = await rest(server.url, "POST", "/echo-fail/x", { body: {} });
    expect(response.status).toBe(500);
    expect(response.json).toEqual({ code: 500, message: "Internal Server Error" });
    expect(response.text).not.toContain("10.1.2.3");
    expect(server.logs.some((line) => line.includes("10.1.2.3"))).toBe(true);
  });
});

describe("CORS for browsers", () => {
  it("answers a preflight from an allowed origin and exposes the session headers", async () => {
    const preflight = await rest(server.url, "OPTIONS", "/tessera.session.v1.SessionService/GetConfig", {
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "content-type,connect-protocol-version" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(preflight.headers["access-control-allow-methods"]).toContain("POST");
    expect(preflight.headers["access-control-allow-headers"]).toMatch(/connect-protocol-version/i);
    const get = await rest(server.url, "GET", "/.well-known/config", { headers: { origin: "https://app.example.com" } });
    expect(get.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(get.headers["access-control-expose-headers"]).toContain("X-Auth-Token");
  });

  it("gives no CORS headers to another origin", async () => {
    const preflight = await rest(server.url, "OPTIONS", "/users", { headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" } });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    expect(preflight.status).toBe(405);
  });
});
