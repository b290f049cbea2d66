import type { JsonSchema } from "./json-schema.js";

/** A seed API: the routes whose rule names its dialect, and the error body it answers in. */
export interface Product {
  /** The document's file name stem and the error schema's component name. */
  name: string;
  title: string;
  /** The error body of every 4xx and 5xx (src/products/<name>/dialect.ts renders it). */
  errorSchema: JsonSchema;
}

const hanko: Product = {
  name: "hanko",
  title: "Hanko",
  errorSchema: {
    type: "object",
    description: "Hanko's `Error`: the HTTP status in `code`.",
    properties: { code: { type: "integer" }, message: { type: "string" } },
    required: ["code", "message"],
    additionalProperties: false,
  },
};

/** The products by `tessera.rest.v1.Dialect` value; DIALECT_UNSPECIFIED falls back to Hanko, as the server does. */
const byDialect: ReadonlyMap<number, Product> = new Map([
  [0, hanko],
  [1, hanko],
  [
    2,
    {
      name: "jincor",
      title: "Jincor VERIFY",
      errorSchema: {
        type: "object",
        description: "Jincor VERIFY's error: the HTTP status in `status`; invalid input lists its fields in `details`.",
        properties: {
          status: { type: "integer" },
          error: { type: "string" },
          details: {
            type: "array",
            items: { type: "object", properties: { path: { type: "string" }, error: { type: "string" } }, required: ["path", "error"] },
          },
          data: { type: "object", additionalProperties: true },
        },
        required: ["status", "error"],
        additionalProperties: false,
      },
    },
  ],
  [
    3,
    {
      name: "authfi",
      title: "AuthFi FIDO2",
      errorSchema: {
        type: "object",
        description: "AuthFi's error: its numeric code (1000 unauthenticated, 1002 bad request, …, 8000 server error).",
        properties: { code: { type: "integer" }, message: { type: "string" } },
        required: ["code", "message"],
        additionalProperties: false,
      },
    },
  ],
  [
    4,
    {
      name: "authentiq",
      title: "Authentiq",
      errorSchema: {
        type: "object",
        description: "Authentiq's Error object: the HTTP status in `error`, the documented tag (`unknown-key`, `rate-limit`, …) in `title` and `type`.",
        properties: { error: { type: "integer" }, title: { type: "string" }, detail: { type: "string" }, type: { type: "string" } },
        required: ["error", "title", "detail", "type"],
        additionalProperties: false,
      },
    },
  ],
  [
    5,
    {
      name: "authenticator",
      title: "Authenticator API",
      errorSchema: {
        type: "object",
        description: "The Authenticator API's error: a snake_case `code` (`invalid_field`, `webauthn`, …).",
        properties: {
          error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } }, required: ["code", "message"], additionalProperties: false },
        },
        required: ["error"],
        additionalProperties: false,
      },
    },
  ],
]);

/** The product whose dialect a rule names. */
export function productOf(dialect: number): Product {
  const product = byDialect.get(dialect);
  if (product === undefined) throw new Error(`unknown tessera.rest.v1.Dialect ${dialect}`);
  return product;
}

/** Every product, in the order of their dialects. */
export const products: readonly Product[] = [...new Set(byDialect.values())];
