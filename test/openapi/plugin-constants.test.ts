import { describe, expect, it } from "vitest";
import { CredentialScheme, Dialect } from "../../gen/es/tessera/rest/v1/rest_pb.js";
import { productDialects, productNames } from "../../src/products/dialects.js";
import { outageStatus } from "../../tools/protoc-gen-openapi/operation.js";
import { productOf, products } from "../../tools/protoc-gen-openapi/products.js";
import type { RestRule } from "../../tools/protoc-gen-openapi/rest-binding.js";
import { documentedSchemes } from "../../tools/protoc-gen-openapi/security.js";

/** The generated enum's values with their proto names (`DIALECT_HANKO`), as the plugin reads them from descriptors. */
function protoNames<T extends Record<string, string | number>>(values: T, prefix: string): Array<[name: string, value: number]> {
  return Object.entries(values)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number")
    .map(([name, value]) => [`${prefix}${name}`, value]);
}

describe("the plugin's products and schemes are the server's", () => {
  it.each(protoNames(Dialect, "DIALECT_"))("%s: the plugin documents the dialect the server renders errors in", (name, value) => {
    expect(productOf(name).dialect).toBe(productDialects.forRule(value as Dialect));
  });

  it("names each product's document as the server serves it", () => {
    expect(products.map((product) => product.name).sort()).toEqual([...productNames].sort());
    expect(() => productOf("DIALECT_NONE")).toThrow(/unknown tessera.rest.v1.Dialect/);
  });

  it("documents every credential scheme the server resolves, and no other", () => {
    const served = protoNames(CredentialScheme, "CREDENTIAL_SCHEME_")
      .filter(([, value]) => value !== CredentialScheme.UNSPECIFIED)
      .map(([name]) => name);
    expect([...documentedSchemes].sort()).toEqual(served.sort());
  });
});

describe("the outage status of a route", () => {
  const rule = (outageReason: string) => ({ outageReason }) as RestRule;
  it.each(products.map((product) => [product.name, product] as const))("%s: 503 where no outage reason is declared", (_name, product) => {
    expect(outageStatus(rule(""), product)).toBe(503);
  });

  it("is what the dialect renders for the declared reason (Hanko's status page: 500)", () => {
    expect(outageStatus(rule("DATABASE_UNAVAILABLE"), productOf("DIALECT_HANKO"))).toBe(500);
  });

  it("refuses a reason outside the closed union", () => {
    expect(() => outageStatus(rule("DATABASE_DOWN"), productOf("DIALECT_HANKO"))).toThrow(/not a reason/);
  });
});
