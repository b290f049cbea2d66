import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

describe("Authenticator API bad input", () => {
  it.each([
    ["malformed JSON", { rawBody: '{"email": ', headers: { "content-type": "application/json" } }, 400, "invalid_json"],
    ["a JSON array", { rawBody: "[]", headers: { "content-type": "application/json" } }, 400, "invalid_json"],
    ["a wrong content type", { rawBody: "email=a@b.c", headers: { "content-type": "text/plain" } }, 415, "unsupported_media_type"],
    ["a field of the wrong type", { body: { email: 42 } }, 400, "invalid_field"],
    ["an oversized body", { body: { email: "a".repeat(70 * 1024) } }, 413, "body_too_large"],
  ])("answers %s with a clean %i in {error: {code, message}}", async (_name, options, status, code) => {
    const response = await rest(server.url, "POST", "/api/v1/signup", options);
    expect(response.status).toBe(status);
    expect(response.json).toEqual(errorShape);
    expect((response.json as { error: { code: string } }).error.code).toBe(code);
  });

  it("answers a wrong method and an unknown path under /api/v1 in the same shape", async () => {
    const wrongMethod = await rest(server.url, "PUT", "/api/v1/signup", { body: {} });
    expect(wrongMethod).toMatchObject({ status: 405, json: { error: { code: "method_not_allowed" } } });
    const unknown = await rest(server.url, "POST", "/api/v1/signup/nothing-here", { body: {} });
    expect(unknown).toMatchObject({ status: 404, json: { error: { code: "not_found" } } });
  });

  it("refuses every token-protected operation without a token, in the seed's shape", async () => {
    for (const [method, path] of [
      ["POST", "/api/v1/signup/verify"],
      ["POST", "/api/v1/login/verify-code"],
      ["GET", "/api/v1/login/verify-device"],
      ["POST", "/api/v1/login/verify-device"],
      ["POST", "/api/v1/device"],
      ["POST", "/api/v1/device/verify"],
      ["DELETE", "/api/v1/device/abc"],
      ["POST", "/api/v1/token/00000000-0000-4000-8000-000000000000"],
      ["GET", "/api/v1/token/verify"],
      ["PATCH", "/api/v1/user/00000000-0000-4000-8000-000000000000"],
    ] as const) {
      const body = method === "GET" || method === "DELETE" ? {} : { body: { code: "123456" } };
      const response = await rest(server.url, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.json).toEqual({ error: { code: "invalid_token", message: expect.any(String) } });
    }
  });
});
