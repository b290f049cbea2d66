import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The all-products OpenAPI document, as `npm run generate` commits it. */
const documentPath = join("gen", "openapi", "tessera.openapi.json");

/** The document served at `/openapi.json`: its JSON text, read once. */
export interface OpenApiDocument {
  readonly contentType: "application/json; charset=utf-8";
  readonly body: string;
}

let cached: OpenApiDocument | undefined;

/**
 * The committed all-products OpenAPI 3.1 document (gen/openapi/tessera.openapi.json), read on
 * the first call (at start) and cached. Found from this module upwards, so that it is the same
 * from src/ under the tests and from dist/src/ when built. Throws when the file is missing
 * (a build without gen/openapi/), so that a start fails instead of serving nothing.
 */
export function loadOpenApiDocument(): OpenApiDocument {
  if (cached !== undefined) return cached;
  const path = findUpwards(dirname(fileURLToPath(import.meta.url)), documentPath);
  if (path === undefined) throw new Error(`${documentPath} is missing: run \`npm run generate\` (and ship gen/openapi/ with the build)`);
  const body = readFileSync(path, "utf8");
  JSON.parse(body); // a truncated file fails here, at start, not in a client
  cached = { contentType: "application/json; charset=utf-8", body };
  return cached;
}

function findUpwards(start: string, relative: string): string | undefined {
  for (let directory = start; ; directory = dirname(directory)) {
    const candidate = join(directory, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(directory) === directory) return undefined;
  }
}
