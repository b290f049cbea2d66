import { authenticatorDialect } from "../../src/products/authenticator/dialect.js";
import { authentiqDialect } from "../../src/products/authentiq/dialect.js";
import { authfiDialect } from "../../src/products/authfi/dialect.js";
import { hankoDialect } from "../../src/products/hanko/dialect.js";
import { jincorDialect } from "../../src/products/jincor/dialect.js";
import { adminDialect } from "../../src/admin/admin-dialect.js";
import type { ErrorDialect } from "../../src/core/errors/dialect.js";
import type { JsonSchema } from "./json-schema.js";

/** A seed API: the routes whose rule names its dialect, and the error body it answers in. */
export interface Product {
  /** The document's file name stem and the error schema's component name: the dialect's name. */
  name: string;
  title: string;
  /** The dialect the server renders this product's errors in (its statuses, e.g. for an outage). */
  dialect: ErrorDialect;
  /** The error body of every 4xx and 5xx (src/products/<name>/dialect.ts renders it). */
  errorSchema: JsonSchema;
}

const hanko: Product = {
  name: hankoDialect.name,
  title: "Hanko",
  dialect: hankoDialect,
  errorSchema: {
    type: "object",
    description: "Hanko's `Error`: the HTTP status in `code`.",
    properties: { code: { type: "integer" }, message: { type: "string" } },
    required: ["code", "message"],
    additionalProperties: false,
  },
};

/** The products, in the order of their `tessera.rest.v1.Dialect` values. */
export const products: readonly Product[] = [
  hanko,
  {
    name: jincorDialect.name,
    title: "Jincor VERIFY",
    dialect: jincorDialect,
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
  {
    name: authfiDialect.name,
    title: "AuthFi FIDO2",
    dialect: authfiDialect,
    errorSchema: {
      type: "object",
      description: "AuthFi's error: its numeric code (1000 unauthenticated, 1002 bad request, …, 8000 server error).",
      properties: { code: { type: "integer" }, message: { type: "string" } },
      required: ["code", "message"],
      additionalProperties: false,
    },
  },
  {
    name: authentiqDialect.name,
    title: "Authentiq",
    dialect: authentiqDialect,
    errorSchema: {
      type: "object",
      description: "Authentiq's Error object: the HTTP status in `error`, the documented tag (`unknown-key`, `rate-limit`, …) in `title` and `type`.",
      properties: { error: { type: "integer" }, title: { type: "string" }, detail: { type: "string" }, type: { type: "string" } },
      required: ["error", "title", "detail", "type"],
      additionalProperties: false,
    },
  },
  {
    name: authenticatorDialect.name,
    title: "Authenticator API",
    dialect: authenticatorDialect,
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
  {
    name: adminDialect.name,
    title: "Admin",
    dialect: adminDialect,
    errorSchema: {
      type: "object",
      description: "The admin API's error: the snake_case gRPC code name in `error` (`unauthenticated`, `not_found`, …).",
      properties: { error: { type: "string" }, message: { type: "string" } },
      required: ["error", "message"],
      additionalProperties: false,
    },
  },
];

/**
 * The product whose dialect a rule names, by the `tessera.rest.v1.Dialect` value name: the
 * product named like the value (`DIALECT_JINCOR` is `jincor`, as src/observe/product.ts names
 * it), and Hanko for `DIALECT_UNSPECIFIED`, as the server falls back.
 */
export function productOf(dialect: string): Product {
  if (dialect === "DIALECT_UNSPECIFIED") return hanko;
  const product = products.find((candidate) => dialect === `DIALECT_${candidate.name.toUpperCase()}`);
  if (product === undefined) throw new Error(`unknown tessera.rest.v1.Dialect ${dialect}`);
  return product;
}
