import { Ajv2020 } from "ajv/dist/2020.js";
import type { RestResponse } from "../harness/rest.js";
import { readDocument } from "./documents.js";

/**
 * Review probe helper: where a real answer of the server breaks what the all-products
 * OpenAPI document says of that operation (status, content type, body schema, headers).
 */
const document = readDocument("tessera") as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Response> };
};

interface Response {
  $ref?: string;
  description?: string;
  headers?: Record<string, { schema?: unknown; description?: string }>;
  content?: Record<string, { schema: unknown }>;
}
interface Operation {
  responses: Record<string, Response>;
}

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: "doc", components: document.components } as never);

function resolve(response: Response): Response {
  if (response.$ref === undefined) return response;
  const name = response.$ref.replace("#/components/responses/", "");
  return document.components.responses[name]!;
}

function rebase(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
}

/** The mismatches between `answer` and the document's `verb template`. */
export function mismatches(verb: string, template: string, answer: RestResponse): string[] {
  const where = `${verb} ${template} → ${answer.status}`;
  const operation = document.paths[template]?.[verb.toLowerCase()];
  if (operation === undefined) return [`${where}: no such operation in the document`];
  const key = String(answer.status);
  const range = `${key[0]}XX`;
  const declared = operation.responses[key] ?? operation.responses[range];
  if (declared === undefined) return [`${where}: status not documented (documented: ${Object.keys(operation.responses).join(", ")})`];
  const response = resolve(declared);
  const problems: string[] = [];
  const contentType = String(answer.headers["content-type"] ?? "").split(";")[0]!.trim();
  if (answer.text === "" || verb === "HEAD") {
    // no body to check
  } else if (response.content === undefined) {
    problems.push(`${where}: a body (${contentType}) where the document declares none`);
  } else {
    const media = response.content[contentType];
    if (media === undefined) problems.push(`${where}: content type ${contentType} not documented (${Object.keys(response.content).join(", ")})`);
    else if (contentType.endsWith("json")) {
      const validate = ajv.compile(rebase(media.schema) as object);
      if (!validate(answer.json)) problems.push(`${where}: body ${answer.text.slice(0, 200)} breaks the schema: ${ajv.errorsText(validate.errors)}`);
    }
  }
  const documentedHeaders = Object.keys(response.headers ?? {}).map((name) => name.toLowerCase());
  if (answer.headers["set-cookie"] !== undefined && !documentedHeaders.includes("set-cookie")) problems.push(`${where}: Set-Cookie sent but not documented`);
  if (answer.headers.location !== undefined && !documentedHeaders.includes("location")) problems.push(`${where}: Location sent but not documented`);
  if (answer.headers["retry-after"] !== undefined && !documentedHeaders.includes("retry-after")) problems.push(`${where}: Retry-After sent but not documented`);
  return problems;
}
