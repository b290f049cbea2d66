import { describe, expect, it } from "vitest";
import { hankoDialect } from "../../src/products/hanko/dialect.js";
import { readDocument } from "./documents.js";

/**
 * The reviewer's findings on the documents: each case states what the document must say, and
 * failed on the plugin before it was fixed.
 */
const document = readDocument("tessera") as unknown as {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }> }>>;
  components: { schemas: Record<string, { required?: string[] }>; responses: Record<string, { headers?: Record<string, unknown> }> };
};

describe("review findings on gen/openapi", () => {
  it("a message the server always writes in full inside an answer lists its always-written fields as required (GET /emails items)", () => {
    // toJson(alwaysEmitImplicit) writes id, address, is_verified and is_primary of every Email in
    // GET /emails: the answer's component requires them (a request's, `-Input`, requires nothing).
    expect(document.components.schemas["tessera.identity.v1.Email"]?.required).toEqual(["id", "address", "is_verified", "is_primary"]);
  });

  it("GET / documents the status it answers a database outage with", () => {
    // session.service.ts throws DATABASE_UNAVAILABLE (kind unavailable); Hanko's dialect renders it 500,
    // and the transcoder adds Retry-After to it; the rule declares outage_reason so the document says so.
    const status = hankoDialect.render({ reason: "DATABASE_UNAVAILABLE", kind: "unavailable", message: "the database is unreachable" }).status;
    const responses = document.paths["/"]!.get!.responses;
    const declared = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
    const resolved = declared?.$ref === undefined ? declared : document.components.responses[declared.$ref.replace("#/components/responses/", "")];
    expect(Object.keys(resolved?.headers ?? {})).toContain("Retry-After");
  });
});
