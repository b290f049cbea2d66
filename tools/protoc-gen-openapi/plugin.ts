import { create, createFileRegistry } from "@bufbuild/protobuf";
import { CodeGeneratorResponse_Feature, CodeGeneratorResponseSchema, FileDescriptorSetSchema, type CodeGeneratorRequest, type CodeGeneratorResponse } from "@bufbuild/protobuf/wkt";
import type { Plugin } from "@bufbuild/protoplugin";
import { buildDocument, type OpenApiDocument } from "./document.js";
import { productOf, products, type Product } from "./products.js";
import { readRestBinding, type RestBinding } from "./rest-binding.js";

/** The plugin's version, written into each document's `info.version`. */
const version = "0.1.0";

/**
 * `protoc-gen-openapi`: OpenAPI 3.1 documents of the REST routes declared in the files to
 * generate (`google.api.http` and `tessera.rest.v1` options), one per product (named by the
 * dialect each route declares) and `tessera.openapi.json` for all. Needs `strategy: all` so
 * that one run sees every file.
 *
 * Parameters (comma-separated): `exclude_package=<prefix>` leaves out services in packages
 * starting with the prefix (repeatable), e.g. the test-only `tessera.testing`.
 */
export const openApiPlugin: Plugin = {
  name: "protoc-gen-openapi",
  version: `v${version}`,
  run(request: CodeGeneratorRequest): CodeGeneratorResponse {
    const excluded = parseParameter(request.parameter);
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
    const bindings: Array<{ binding: RestBinding; product: Product }> = [];
    for (const name of request.fileToGenerate) {
      const file = registry.getFile(name);
      if (file === undefined) throw new Error(`${name} is not in the request`);
      if (excluded.some((prefix) => file.proto.package === prefix || file.proto.package.startsWith(`${prefix}.`))) continue;
      for (const service of file.services) {
        for (const method of service.methods) {
          const binding = readRestBinding(registry, method);
          if (binding !== undefined) bindings.push({ binding, product: productOf(binding.rule.dialect) });
        }
      }
    }
    const files: Array<{ name: string; content: string }> = [];
    for (const product of products) {
      const own = bindings.filter((entry) => entry.product === product);
      if (own.length === 0) continue;
      files.push(output(`${product.name}.openapi.json`, buildDocument({ title: `${product.title} API (Tessera)`, description: `The ${product.title} REST API as Tessera serves it.`, version, bindings: own })));
    }
    files.push(
      output(
        "tessera.openapi.json",
        buildDocument({ title: "Tessera", description: `Every REST route Tessera serves: ${products.map((product) => product.title).join(", ")}.`, version, bindings }),
      ),
    );
    return create(CodeGeneratorResponseSchema, {
      supportedFeatures: BigInt(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL),
      file: files,
    });
  },
};

function output(name: string, document: OpenApiDocument): { name: string; content: string } {
  return { name, content: `${JSON.stringify(document, null, 2)}\n` };
}

function parseParameter(parameter: string): string[] {
  const excluded: string[] = [];
  for (const part of parameter.split(",").filter((entry) => entry !== "")) {
    const [key, value] = part.split("=", 2);
    if (key === "exclude_package" && value !== undefined && value !== "") excluded.push(value);
    else throw new Error(`protoc-gen-openapi: unknown parameter "${part}"`);
  }
  return excluded;
}
