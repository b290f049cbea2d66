import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where `npm run generate` commits the OpenAPI documents. */
const documentsDirectory = join("gen", "openapi");

/** One OpenAPI document as served: its JSON text, read once. */
export interface OpenApiDocument {
  readonly contentType: "application/json; charset=utf-8";
  readonly body: string;
}

/** The documents the management port serves: every route, and each product's routes. */
export interface OpenApiDocuments {
  /** gen/openapi/tessera.openapi.json, served at `/openapi.json`. */
  readonly all: OpenApiDocument;
  /** gen/openapi/<product>.openapi.json by product name, served at `/openapi/<product>.json`. */
  readonly products: ReadonlyMap<string, OpenApiDocument>;
}

let cached: { key: string; documents: OpenApiDocuments } | undefined;

/**
 * The committed OpenAPI 3.1 documents (gen/openapi/), the all-products one and one per name in
 * `products`, read on the first call (at start) and cached. The directory is found from this
 * module upwards, so that it is the same from src/ under the tests and from dist/src/ when
 * built. Throws when a file is missing or is not JSON (a build without gen/openapi/), so that a
 * start fails instead of serving nothing.
 */
export function loadOpenApiDocuments(products: readonly string[]): OpenApiDocuments {
  const key = products.join(",");
  if (cached?.key === key) return cached.documents;
  const directory = findUpwards(dirname(fileURLToPath(import.meta.url)), documentsDirectory);
  if (directory === undefined) throw new Error(`${documentsDirectory}/ is missing: run \`npm run generate\` (and ship gen/openapi/ with the build)`);
  const documents = readOpenApiDocuments(directory, products);
  cached = { key, documents };
  return documents;
}

/** The documents in `directory` (not cached): `tessera.openapi.json` and `<product>.openapi.json` for each product. */
export function readOpenApiDocuments(directory: string, products: readonly string[]): OpenApiDocuments {
  return {
    all: readDocument(join(directory, "tessera.openapi.json")),
    products: new Map(products.map((product) => [product, readDocument(join(directory, `${product}.openapi.json`))])),
  };
}

function readDocument(path: string): OpenApiDocument {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run generate\` (and ship gen/openapi/ with the build)`);
  const body = readFileSync(path, "utf8");
  try {
    JSON.parse(body); // a truncated file fails here, at start, not in a client
  } catch (error) {
    throw new Error(`${path} is not JSON: run \`npm run generate\``, { cause: error });
  }
  return { contentType: "application/json; charset=utf-8", body };
}

function findUpwards(start: string, relative: string): string | undefined {
  for (let directory = start; ; directory = dirname(directory)) {
    const candidate = join(directory, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}
