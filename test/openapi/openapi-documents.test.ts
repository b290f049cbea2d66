import SwaggerParser from "@apidevtools/swagger-parser";
import type { OpenAPIV3_1 } from "openapi-types";
import { describe, expect, it } from "vitest";
import { reasons } from "../../src/core/errors/reasons.js";
import { errorKinds } from "../../src/core/errors/domain-error.js";
import { authenticatorDialect } from "../../src/products/authenticator/dialect.js";
import { authentiqDialect } from "../../src/products/authentiq/dialect.js";
import { authfiDialect } from "../../src/products/authfi/dialect.js";
import { hankoDialect } from "../../src/products/hanko/dialect.js";
import { jincorDialect } from "../../src/products/jincor/dialect.js";
import type { ErrorDialect } from "../../src/core/errors/dialect.js";
import { documentNames, operationsOf, readDocument, type Schema } from "./documents.js";

describe("the committed OpenAPI documents", () => {
  it.each(documentNames)("%s.openapi.json validates as OpenAPI 3.1", async (name) => {
    const document = readDocument(name);
    expect(document.openapi).toBe("3.1.0");
    // validate() dereferences in place: give it a copy. It throws on the first problem.
    await expect(SwaggerParser.validate(structuredClone(document) as unknown as OpenAPIV3_1.Document)).resolves.toBeDefined();
  });

  it("the validator refuses a broken document (an operation answering nothing)", async () => {
    const broken = structuredClone(readDocument("jincor"));
    const [firstPath] = Object.values(broken.paths);
    const [firstOperation] = Object.values(firstPath ?? {});
    firstOperation!.responses = "none" as never;
    await expect(SwaggerParser.validate(broken as unknown as OpenAPIV3_1.Document)).rejects.toThrow();
  });

  it("the product documents split the all-products document between them, each route in one", () => {
    const all = operationsOf(readDocument("tessera"));
    const perProduct = documentNames.filter((name) => name !== "tessera").flatMap((name) => operationsOf(readDocument(name)));
    expect(perProduct.sort()).toEqual(all);
    expect(all.length).toBeGreaterThan(50);
  });

  const dialects: ReadonlyArray<[string, ErrorDialect]> = [
    ["hanko", hankoDialect],
    ["jincor", jincorDialect],
    ["authentiq", authentiqDialect],
    ["authenticator", authenticatorDialect],
    ["authfi", authfiDialect],
  ];
  it.each(dialects)("the %s error schema describes what its dialect renders for every reason and kind", (name, dialect) => {
    const document = readDocument(name as (typeof documentNames)[number]);
    const schemaName = `${name.charAt(0).toUpperCase()}${name.slice(1)}Error`;
    const schema = document.components.schemas[schemaName];
    expect(schema).toBeDefined();
    const problems = reasons.flatMap((reason) =>
      errorKinds.map((kind) => ({ reason, kind, message: "a message", details: { details: [{ path: "email", error: "is invalid" }] } })),
    );
    const mismatches = problems.flatMap((problem) => {
      const answer = dialect.render(problem);
      return mismatchesOf(schema!, answer.body, "body").map((mismatch) => `${problem.reason}/${problem.kind} → ${answer.status}: ${mismatch}`);
    });
    expect(mismatches).toEqual([]);
    // Every answer that is an error is a 4xx or 5xx: what the documents declare for errors.
    const statuses = new Set(problems.map((problem) => dialect.render(problem).status));
    expect([...statuses].filter((status) => status < 400 || status > 599)).toEqual([]);
  });

});

describe("what the documents say of Tessera's REST options", () => {
  const document = readDocument("tessera");
  const operation = (verb: string, path: string) => {
    const found = document.paths[path]?.[verb];
    if (found === undefined) throw new Error(`no ${verb} ${path}`);
    return found;
  };
  const successKeys = (op: ReturnType<typeof operation>) => Object.keys(op.responses).filter((key) => !["4XX", "503", "5XX"].includes(key));
  const cases: Array<{ name: string; verb: string; path: string; check: (op: ReturnType<typeof operation>) => unknown; expected: unknown }> = [
    { name: "success_status", verb: "post", path: "/scope", check: (op) => Object.keys(op.responses).sort(), expected: ["201", "4XX", "503", "5XX"] },
    { name: "request_content_type", verb: "post", path: "/scope", check: (op) => Object.keys(op.requestBody?.content ?? {}), expected: ["application/jwt", "text/plain"] },
    { name: "body * as JSON only", verb: "post", path: "/password/login", check: (op) => Object.keys(op.requestBody?.content ?? {}), expected: ["application/json"] },
    { name: "cross_site_form_post: also as a form", verb: "post", path: "/saml/callback", check: (op) => Object.keys(op.requestBody?.content ?? {}), expected: ["application/json", "application/x-www-form-urlencoded"] },
    { name: "response headers and cookies", verb: "post", path: "/password/login", check: (op) => Object.keys(op.responses["200"]?.headers ?? {}), expected: ["X-Auth-Token", "X-Session-Lifetime", "Set-Cookie"] },
    { name: "status_field", verb: "put", path: "/password", check: successKeys, expected: ["2XX"] },
    { name: "status_field with Location", verb: "get", path: "/thirdparty/auth", check: successKeys, expected: ["3XX"] },
    { name: "request header", verb: "get", path: "/thirdparty/auth", check: (op) => op.parameters?.filter((p) => p.in === "header").map((p) => p.name), expected: ["Referer"] },
    { name: "allow_head", verb: "head", path: "/scope/{job}", check: (op) => op.responses["200"]?.content, expected: undefined },
    { name: "accept_content_type and no_content_unless_field", verb: "get", path: "/scope/{job}", check: (op) => [Object.keys(op.responses["200"]?.content ?? {}), "204" in op.responses], expected: [["application/json", "application/jwt"], true] },
    { name: "response_content_type", verb: "get", path: "/", check: (op) => Object.keys(op.responses["200"]?.content ?? {}), expected: ["text/html"] },
    { name: "Hanko session: bearer or cookie", verb: "put", path: "/password", check: (op) => op.security, expected: [{ hankoSessionBearer: [] }, { hankoSessionCookie: [] }] },
    { name: "AuthFi API key", verb: "get", path: "/{access_point}/api/v1/users", check: (op) => op.security, expected: [{ authfiApiKey: [] }] },
    { name: "no credential", verb: "get", path: "/.well-known/jwks.json", check: (op) => op.security, expected: [] },
    { name: "path variable", verb: "delete", path: "/emails/{id}", check: (op) => op.parameters?.map((p) => `${p.in}:${p.name}`), expected: ["path:id"] },
    { name: "dialect error body", verb: "post", path: "/scope", check: (op) => op.responses["4XX"]?.$ref, expected: "#/components/responses/AuthentiqError" },
  ];
  it.each(cases)("$name: $verb $path", ({ verb, path, check, expected }) => {
    expect(check(operation(verb, path))).toEqual(expected);
  });
});

/** Where `value` breaks `schema` (type, required, properties, items), as readable paths. */
function mismatchesOf(schema: Schema, value: unknown, path: string): string[] {
  const types = schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types !== undefined && !types.includes(jsonType(value))) return [`${path} is ${jsonType(value)}, not ${types.join("|")}`];
  if (typeof value !== "object" || value === null) return [];
  if (Array.isArray(value)) return schema.items === undefined ? [] : value.flatMap((item, index) => mismatchesOf(schema.items!, item, `${path}[${index}]`));
  const record = value as Record<string, unknown>;
  const problems = (schema.required ?? []).filter((key) => !(key in record)).map((key) => `${path}.${key} is missing`);
  for (const [key, item] of Object.entries(record)) {
    const property = schema.properties?.[key];
    if (property !== undefined) problems.push(...mismatchesOf(property, item, `${path}.${key}`));
    else if (schema.additionalProperties === false) problems.push(`${path}.${key} is not in the schema`);
  }
  return problems;
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}
