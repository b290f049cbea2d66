import { describe, expect, it } from "vitest";
import { defineDialect } from "./dialect.js";

describe("defineDialect", () => {
  it("answers a declared reason with its status and the kind's status otherwise", () => {
    const dialect = defineDialect({ name: "test", reasons: { EMAIL_TAKEN: { status: 422 } }, body: (status, message) => ({ status, message }) });
    expect(dialect.render({ reason: "EMAIL_TAKEN", kind: "conflict", message: "taken" })).toEqual({ status: 422, body: { status: 422, message: "taken" } });
    expect(dialect.render({ reason: "USER_NOT_FOUND", kind: "not_found", message: "gone" })).toEqual({ status: 404, body: { status: 404, message: "gone" } });
  });

  it("refuses a misspelt reason at compile time (npm run typecheck fails if it is accepted)", () => {
    const table = {
      // @ts-expect-error: EMAIL_TAKNE is no reason; a typo must not silently fall back to the kind's status.
      EMAIL_TAKNE: { status: 422 },
    } satisfies Parameters<typeof defineDialect>[0]["reasons"];
    expect(Object.keys(table)).toEqual(["EMAIL_TAKNE"]);
  });
});
