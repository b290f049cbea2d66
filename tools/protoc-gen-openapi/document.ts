import type { DescService } from "@bufbuild/protobuf";
import { commentOf, createSchemaComponents } from "./json-schema.js";
import { buildOperations, errorResponseName, errorSchemaName, openApiPath, unavailableResponseName } from "./operation.js";
import type { Product } from "./products.js";
import type { RestBinding } from "./rest-binding.js";

/** An OpenAPI 3.1 document as plain data. */
export type OpenApiDocument = Record<string, unknown>;

/** What a document is built from. */
export interface DocumentInput {
  title: string;
  description: string;
  version: string;
  /** The bindings it describes, each with the product whose dialect it answers errors in. */
  bindings: ReadonlyArray<{ binding: RestBinding; product: Product }>;
}

/** Builds one OpenAPI 3.1 document: paths in declaration order, schemas and schemes the operations use. */
export function buildDocument(input: DocumentInput): OpenApiDocument {
  const components = createSchemaComponents();
  const paths: Record<string, Record<string, unknown>> = {};
  const securitySchemes: Record<string, unknown> = {};
  const usedProducts = new Map<string, Product>();
  const services = new Map<string, DescService>();
  for (const { binding, product } of input.bindings) {
    usedProducts.set(product.name, product);
    services.set(binding.method.parent.typeName, binding.method.parent);
    const item = (paths[openApiPath(binding.template)] ??= {});
    for (const built of buildOperations(binding, product, components)) {
      if (built.verb in item) throw new Error(`duplicate REST route ${built.verb.toUpperCase()} ${binding.template}`);
      item[built.verb] = built.operation;
      Object.assign(securitySchemes, built.securitySchemes);
    }
  }
  const responses: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const product of usedProducts.values()) {
    const errorBody = { "application/json": { schema: { $ref: `#/components/schemas/${errorSchemaName(product)}` } } };
    schemas[errorSchemaName(product)] = product.errorSchema;
    responses[errorResponseName(product)] = { description: `Refused or failed, in ${product.title}'s error shape.`, content: errorBody };
    responses[unavailableResponseName(product)] = {
      description: "The database is unavailable for the moment: try again after `Retry-After` seconds.",
      headers: { "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer", minimum: 0 } } },
      content: errorBody,
    };
  }
  Object.assign(schemas, sortKeys(components.schemas));
  return {
    openapi: "3.1.0",
    info: { title: input.title, description: input.description, version: input.version },
    tags: [...services.values()].map((service) => ({ name: service.name, description: commentOf(service) })),
    paths,
    components: { schemas, responses, ...(Object.keys(securitySchemes).length > 0 ? { securitySchemes: sortKeys(securitySchemes) } : {}) },
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
