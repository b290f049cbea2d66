import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { productNames } from "../../src/products/dialects.js";
import { loadOpenApiDocuments, readOpenApiDocuments } from "../../src/transport/openapi-document.js";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { documentNames } from "./documents.js";

const committed = (name: string) => readFileSync(new URL(`../../gen/openapi/${name}.openapi.json`, import.meta.url), "utf8");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("the management port serves the OpenAPI documents", () => {
  const served: Array<[path: string, file: string]> = [["/openapi.json", "tessera"], ...productNames.map((product): [string, string] => [`/openapi/${product}.json`, product])];

  it("serves one document per product, and one for all: every committed document", () => {
    expect(served.map(([, file]) => file).sort()).toEqual([...documentNames].sort());
  });

  it.each(served)("GET %s answers 200 application/json with the committed %s document", async (path, file) => {
    const answer = await rest(server.app.adminUrl, "GET", path);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(answer.text).toBe(committed(file));
  });

  it.each(served)("HEAD %s answers 200 with the length and no body", async (path, file) => {
    const answer = await rest(server.app.adminUrl, "HEAD", path);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(answer.headers["content-length"]).toBe(String(Buffer.byteLength(committed(file))));
    expect(answer.text).toBe("");
  });

  it.each([
    ["GET", "/openapi/nope.json", 404],
    ["GET", "/openapi/tessera.json", 404],
    ["GET", "/openapi/", 404],
    ["POST", "/openapi.json", 405],
    ["DELETE", "/openapi/hanko.json", 405],
  ])("%s %s answers %d", async (verb, path, status) => {
    const answer = await rest(server.app.adminUrl, verb, path);
    expect(answer.status).toBe(status);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
  });

  it("the main port does not serve it (its routes stay the seeds')", async () => {
    expect((await rest(server.url, "GET", "/openapi.json")).status).toBe(404);
  });
});

describe("loading the documents at start", () => {
  it("loadOpenApiDocuments reads the committed documents once", () => {
    const first = loadOpenApiDocuments(productNames);
    expect(first.all.body).toBe(committed("tessera"));
    expect([...first.products.keys()]).toEqual(productNames);
    expect(first.products.get("authfi")?.body).toBe(committed("authfi"));
    expect(loadOpenApiDocuments(productNames)).toBe(first);
  });

  it("a missing or truncated document fails the load, naming the file", () => {
    const directory = mkdtempSync(join(tmpdir(), "tessera-openapi-"));
    try {
      for (const name of documentNames) copyFileSync(new URL(`../../gen/openapi/${name}.openapi.json`, import.meta.url), join(directory, `${name}.openapi.json`));
      expect(readOpenApiDocuments(directory, productNames).products.size).toBe(productNames.length);
      rmSync(join(directory, "jincor.openapi.json"));
      expect(() => readOpenApiDocuments(directory, productNames)).toThrow(/jincor\.openapi\.json is missing/);
      writeFileSync(join(directory, "jincor.openapi.json"), "{\"openapi\": ");
      expect(() => readOpenApiDocuments(directory, productNames)).toThrow(/jincor\.openapi\.json is not JSON/);
      rmSync(join(directory, "tessera.openapi.json"));
      expect(() => readOpenApiDocuments(directory, productNames)).toThrow(/tessera\.openapi\.json is missing/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
