import { readFileSync } from "node:fs";

/** The OpenAPI documents `npm run generate` commits, by file stem. */
export const documentNames = ["hanko", "jincor", "authentiq", "authenticator", "authfi", "admin", "tessera"] as const;

/** The parts of an OpenAPI document the tests read. */
export interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, unknown> };
}

/** The parts of an operation the tests read. */
export interface Operation {
  operationId: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown>; $ref?: string }>;
  security?: Array<Record<string, string[]>>;
}

/** A JSON schema, as far as the tests check bodies against it. */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
}

/** Reads a committed document. */
export function readDocument(name: (typeof documentNames)[number]): Document {
  return JSON.parse(readFileSync(new URL(`../../gen/openapi/${name}.openapi.json`, import.meta.url), "utf8")) as Document;
}

/** The HTTP methods an OpenAPI path item may hold. */
export const verbs = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** Every `VERB template` a document describes, sorted. */
export function operationsOf(document: Document): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, item]) => verbs.filter((verb) => item[verb] !== undefined).map((verb) => `${verb.toUpperCase()} ${path}`))
    .sort();
}
