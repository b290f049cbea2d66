import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/server.js";
import { bearer, freshEmail, jincor, serviceToken, unsignedToken, verifyJwtSecret } from "./jincor-client.js";

let server: TestServer;
let unconfigured: TestServer;
beforeAll(async () => {
  [server, unconfigured] = await Promise.all([startTestServer({ VERIFY_JWT_SECRET: verifyJwtSecret }), startTestServer()]);
});
afterAll(async () => {
  await server?.close();
  await unconfigured?.close();
});

const valid = () => ({
  consumer: freshEmail(),
  template: { body: "{{{CODE}}}" },
  generateCode: { length: 6, symbolSet: ["DIGITS"] },
  policy: { expiredOn: "00:10:00" },
});
const initiatePath = "/methods/email/actions/initiate";
const someId = "afde0e7d-3a1f-4d51-8dad-7d0229bd64c4";

describe("Jincor service token", () => {
  // Only callers holding VERIFY_JWT_SECRET may start or check verifications.
  it("answers 401 without a token, with an expired, unsigned or wrongly signed one, and on every operation", async () => {
    const headers: Array<[string, Record<string, string>]> = [
      ["none", {}],
      ["not bearer", { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` }],
      ["garbage", bearer("not.a.jwt")],
      ["expired", bearer(await serviceToken(verifyJwtSecret, Math.floor(Date.now() / 1000) - 60))],
      ["alg none", bearer(unsignedToken())],
      ["wrong secret", bearer(await serviceToken("another-secret-of-some-length"))],
    ];
    for (const [name, header] of headers) {
      for (const [method, path, body] of [
        ["POST", initiatePath, valid()],
        ["POST", `/methods/email/verifiers/${someId}/actions/validate`, { code: "123456" }],
        ["GET", `/methods/email/verifiers/${someId}`, undefined],
        ["DELETE", `/methods/email/verifiers/${someId}`, undefined],
      ] as const) {
        const response = await jincor(server.url, method, path, { body, headers: header });
        expect(response.status, `${name} ${method} ${path}`).toBe(401);
        expect(response.json).toEqual({ status: 401, error: "Not Authorized" });
      }
    }
  });

  it("refuses every call when VERIFY_JWT_SECRET is not set", async () => {
    const response = await jincor(unconfigured.url, "POST", initiatePath, { body: valid() });
    expect(response).toMatchObject({ status: 401, json: { status: 401, error: "Not Authorized" } });
  });

  it("checks the token before the method", async () => {
    expect((await jincor(server.url, "POST", "/methods/fax/actions/initiate", { body: valid(), headers: {} })).status).toBe(401);
  });
});

describe("Jincor errors", () => {
  it("answers 404 Method not supported for an unknown method on every operation", async () => {
    for (const [method, path, body] of [
      ["POST", "/methods/fax/actions/initiate", valid()],
      ["POST", `/methods/fax/verifiers/${someId}/actions/validate`, { code: "1" }],
      ["GET", `/methods/fax/verifiers/${someId}`, undefined],
      ["DELETE", `/methods/fax/verifiers/${someId}`, undefined],
      ["POST", "/methods/EMAIL/actions/initiate", valid()],
    ] as const) {
      const response = await jincor(server.url, method, path, { body });
      expect(response.status, path).toBe(404);
      expect(response.json).toEqual({ status: 404, error: "Method not supported" });
    }
  });

  it("answers 422 Invalid request naming each invalid field", async () => {
    const cases: Array<[string, unknown, Array<{ path: string; error?: unknown }>]> = [
      ["missing consumer", { ...valid(), consumer: undefined }, [{ path: "consumer" }]],
      ["email consumer not an address", { ...valid(), consumer: "nobody" }, [{ path: "consumer" }]],
      ["missing template", { ...valid(), template: undefined }, [{ path: "template.body" }]],
      ["missing generateCode", { ...valid(), generateCode: undefined }, [{ path: "generateCode" }]],
      ["length 0", { ...valid(), generateCode: { length: 0, symbolSet: ["DIGITS"] } }, [{ path: "generateCode.length" }]],
      ["length 65", { ...valid(), generateCode: { length: 65, symbolSet: ["DIGITS"] } }, [{ path: "generateCode.length" }]],
      ["negative length", { ...valid(), generateCode: { length: -3, symbolSet: ["DIGITS"] } }, [{ path: "generateCode.length" }]],
      ["no symbol set", { ...valid(), generateCode: { length: 6 } }, [{ path: "generateCode.symbolSet" }]],
      ["empty symbol set entry", { ...valid(), generateCode: { length: 6, symbolSet: ["DIGITS", ""] } }, [{ path: "generateCode.symbolSet" }]],
      ["missing policy", { ...valid(), policy: undefined }, [{ path: "policy.expiredOn" }]],
      ["bad expiredOn", { ...valid(), policy: { expiredOn: "1 hour" } }, [{ path: "policy.expiredOn" }]],
      ["minutes over 59", { ...valid(), policy: { expiredOn: "00:61:00" } }, [{ path: "policy.expiredOn" }]],
      ["zero expiredOn", { ...valid(), policy: { expiredOn: "00:00:00" } }, [{ path: "policy.expiredOn" }]],
      ["forced id not a UUID", { ...valid(), policy: { expiredOn: "00:01:00", forcedVerificationId: "nope" } }, [{ path: "policy.forcedVerificationId" }]],
      ["forced code too long", { ...valid(), policy: { expiredOn: "00:01:00", forcedCode: "x".repeat(129) } }, [{ path: "policy.forcedCode" }]],
      [
        "several at once",
        { consumer: "", generateCode: { length: 100, symbolSet: [] }, policy: { expiredOn: "soon" } },
        [{ path: "consumer" }, { path: "policy.expiredOn" }, { path: "template.body" }, { path: "generateCode.length" }, { path: "generateCode.symbolSet" }],
      ],
    ];
    for (const [name, body, details] of cases) {
      const response = await jincor(server.url, "POST", initiatePath, { body });
      expect(response.status, name).toBe(422);
      expect(response.json, name).toEqual({ status: 422, error: "Invalid request", details: details.map((detail) => ({ error: expect.any(String), ...detail })) });
    }
  });

  it("answers 422 Invalid request to wrong JSON types, naming the field by its dotted path", async () => {
    const cases: Array<[string, unknown, string]> = [
      ["consumer a number", { ...valid(), consumer: 42 }, "consumer"],
      ["length a string", { ...valid(), generateCode: { length: "six", symbolSet: ["DIGITS"] } }, "generateCode.length"],
      ["length a fraction", { ...valid(), generateCode: { length: 6.5, symbolSet: ["DIGITS"] } }, "generateCode.length"],
      ["symbolSet a string", { ...valid(), generateCode: { length: 6, symbolSet: "DIGITS" } }, "generateCode.symbolSet"],
      ["generateCode a string", { ...valid(), generateCode: "six" }, "generateCode"],
      ["payload a string", { ...valid(), payload: "text" }, "payload"],
      ["policy an array", { ...valid(), policy: [] }, "policy"],
    ];
    for (const [name, body, path] of cases) {
      const response = await jincor(server.url, "POST", initiatePath, { body });
      expect(response.status, name).toBe(422);
      expect(response.json, name).toEqual({ status: 422, error: "Invalid request", details: [{ path, error: "has the wrong type" }] });
    }
    const notJson = await jincor(server.url, "POST", initiatePath, { rawBody: "{nope", headers: { ...bearer(await serviceToken()), "content-type": "application/json" } });
    expect(notJson).toMatchObject({ status: 422, json: { status: 422, error: "Invalid request" } });
  });

  it("answers 422 Invalid request to a validate without a code, and to a code of the wrong type", async () => {
    const missing = await jincor(server.url, "POST", `/methods/email/verifiers/${someId}/actions/validate`, { body: {} });
    expect(missing.json).toEqual({ status: 422, error: "Invalid request", details: [{ path: "code", error: "is required" }] });
    const wrongType = await jincor(server.url, "POST", `/methods/email/verifiers/${someId}/actions/validate`, { body: { code: 123456 } });
    expect(wrongType.json).toEqual({ status: 422, error: "Invalid request", details: [{ path: "code", error: "has the wrong type" }] });
    const removeSecret = await jincor(server.url, "POST", `/methods/email/verifiers/${someId}/actions/validate`, { body: { code: "1", removeSecret: "yes" } });
    expect(removeSecret).toMatchObject({ status: 422, json: { status: 422, error: "Invalid request" } });
  });

  it("writes nothing for a refused initiate", async () => {
    const before = await server.app.database.db.selectFrom("challenges").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    await jincor(server.url, "POST", initiatePath, { body: { ...valid(), policy: { expiredOn: "bad" } } });
    const after = await server.app.database.db.selectFrom("challenges").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});
