import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { reasons, type Reason } from "../../src/core/errors/reasons.js";
import { findFieldPath } from "../../src/transport/rest/fields.js";
import { commentOf, withDescription, type JsonSchema, type SchemaComponents } from "./json-schema.js";
import type { Product } from "./products.js";
import type { RestBinding, RestRule } from "./rest-binding.js";
import { securityOf, type SecurityRequirements, type SecurityScheme } from "./security.js";

/** An OpenAPI operation object, as plain data. */
export type Operation = Record<string, unknown>;

/** An operation and the security schemes it refers to. */
export interface BuiltOperation {
  /** The lower-case verb, the key of the operation in its path item. */
  verb: string;
  operation: Operation;
  securitySchemes: Record<string, SecurityScheme>;
}

/** A path template as OpenAPI writes it: `{name=*}` is `{name}`. */
export function openApiPath(template: string): string {
  return template.replace(/\{([a-z_][a-z0-9_.]*)=\*\}/g, "{$1}");
}

/**
 * The operations of one REST binding (its verb, and HEAD when the rule allows it), describing
 * what src/transport/rest/request-decoder.ts reads and response-encoder.ts writes: path
 * variables, the body (JSON, a form where the route declares it, or raw text), query parameters for the other fields, bound
 * headers and cookies, the success status, response headers and cookies, and the product's
 * error body for every 4xx and 5xx.
 */
export function buildOperations(binding: RestBinding, product: Product, components: SchemaComponents): BuiltOperation[] {
  const { method, rule } = binding;
  const input = method.input;
  const parameters: Array<Record<string, unknown>> = [];
  const pathFields = [...binding.template.matchAll(/\{([a-z_][a-z0-9_.]*)(=\*)?\}/g)].map((variable) => variable[1]!);
  for (const fieldPath of pathFields) {
    const field = fieldAt(input, fieldPath);
    parameters.push(parameter(fieldPath, "path", field, components, true));
  }
  // Fields a header or cookie carries are read from there; the decoder sets them last.
  const transportFields = [...rule.requestHeaders, ...rule.requestCookies].map((bound) => bound.field);
  const topLevel = new Set([...pathFields, ...transportFields].filter((path) => !path.includes(".")));

  let requestBody: Record<string, unknown> | undefined;
  if (binding.body === "*") {
    const schema = components.messageSchema(input, topLevel, "request");
    // A form only where the route takes other sites' form posts (cross_site_form_post).
    requestBody = { content: { "application/json": { schema }, ...(rule.crossSiteFormPost ? { "application/x-www-form-urlencoded": { schema } } : {}) } };
  } else if (binding.body !== "") {
    const field = fieldAt(input, binding.body);
    topLevel.add(field.name);
    const description = commentOf(field);
    requestBody =
      rule.requestContentType !== ""
        ? { content: { [rule.requestContentType]: { schema: { type: "string" } }, "text/plain": { schema: { type: "string" } } } }
        : { content: { "application/json": { schema: components.fieldSchema(field) } } };
    if (description !== "") requestBody.description = description;
  }
  if (binding.body !== "*") {
    for (const field of input.fields) {
      if (topLevel.has(field.name) || field.fieldKind === "map" || field.fieldKind === "message") continue;
      if (field.fieldKind === "list" && field.listKind === "message") continue;
      parameters.push(parameter(field.jsonName, "query", field, components, false));
    }
  }
  for (const bound of rule.requestHeaders) parameters.push(parameter(bound.name, "header", fieldAt(input, bound.field), components, false));
  for (const bound of rule.requestCookies) parameters.push(parameter(bound.name, "cookie", fieldAt(input, bound.field), components, false));

  const { responses, headResponses } = buildResponses(binding, product, components);
  const operationId = `${method.parent.name}_${method.name}`;
  const operation: Operation = {
    operationId,
    tags: [method.parent.name],
    ...summaryOf(commentOf(method)),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody === undefined ? {} : { requestBody }),
    responses,
  };
  let securitySchemes: Record<string, SecurityScheme> = {};
  if (binding.credential !== undefined) {
    const security = securityOf(binding.credential);
    securitySchemes = security.schemes;
    operation.security = security.requirements satisfies SecurityRequirements;
  } else {
    operation.security = [];
  }
  const operations: BuiltOperation[] = [{ verb: binding.verb.toLowerCase(), operation, securitySchemes }];
  if (rule.allowHead && binding.verb === "GET") {
    const head: Operation = { ...operation, operationId: `${operationId}_Head`, responses: headResponses };
    delete head.requestBody;
    operations.push({ verb: "head", operation: head, securitySchemes });
  }
  return operations;
}

/** The responses of a binding, and the same without bodies for HEAD. */
function buildResponses(binding: RestBinding, product: Product, components: SchemaComponents): { responses: Record<string, unknown>; headResponses: Record<string, unknown> } {
  const { method, rule } = binding;
  const output = method.output;
  const headers: Record<string, unknown> = {};
  for (const bound of rule.responseHeaders) {
    const field = fieldAt(output, bound.field);
    headers[bound.name] = withDescription({ schema: headerSchema(field, components) }, commentOf(field));
  }
  if (rule.responseCookies.length > 0) {
    headers["Set-Cookie"] = {
      description: rule.responseCookies.map((cookie) => `\`${cookie.name}\`${cookieAttributes(cookie)}`).join("; "),
      schema: { type: "string" },
    };
  }
  // Fields that leave the body for a header, a cookie or the status.
  const omitted = new Set(
    [...rule.responseHeaders.map((bound) => bound.field), ...rule.responseCookies.map((bound) => bound.field), rule.statusField].filter((field) => field !== "" && !field.includes(".")),
  );

  let status: string;
  if (rule.statusField !== "") status = rule.responseHeaders.some((bound) => bound.name.toLowerCase() === "location") ? "3XX" : "2XX";
  else status = String(rule.successStatus || 200);
  const success: Record<string, unknown> = { description: rule.statusField === "" ? "Success." : `Success: the status is the response's \`${rule.statusField}\` field.` };
  if (Object.keys(headers).length > 0) success.headers = headers;
  const head: Record<string, unknown> = { ...success };
  if (status !== "204") {
    const content: Record<string, unknown> = {};
    if (binding.responseBody !== "") {
      const field = fieldAt(output, binding.responseBody);
      content[rule.responseContentType === "" ? "application/json" : mediaType(rule.responseContentType)] = {
        schema: rule.responseContentType === "" ? components.fieldSchema(field, "response") : { type: "string" },
      };
    } else {
      content["application/json"] = { schema: components.messageSchema(output, omitted, "response") };
    }
    if (rule.acceptContentType !== "") content[rule.acceptContentType] = { schema: { type: "string", description: `Sent when \`Accept\` names ${rule.acceptContentType}.` } };
    success.content = content;
  }
  const errorResponse = { $ref: `#/components/responses/${errorResponseName(product)}` };
  const unavailable = { $ref: `#/components/responses/${unavailableResponseName(product)}` };
  const responses: Record<string, unknown> = { [status]: success };
  const headResponses: Record<string, unknown> = { [status]: head };
  if (rule.noContentUnlessField !== "") {
    const pending = { description: `No content: the response's \`${rule.noContentUnlessField}\` field is false.` };
    responses["204"] = pending;
    headResponses["204"] = pending;
  }
  // A database outage answers with Retry-After, at the status the route's dialect renders for
  // its outage reason: 503 (UNAVAILABLE) everywhere but where a rule declares another reason.
  const outage = outageStatus(rule, product);
  const retryAfter = { "Retry-After": { description: "Seconds to wait before trying again (a database outage).", schema: { type: "integer", minimum: 0 } } };
  const outageResponse =
    outage === 503
      ? unavailable
      : {
          description: `Failed, or the database is unavailable for the moment (\`${rule.outageReason}\`): then \`Retry-After\` says when to try again.`,
          headers: retryAfter,
          content: { "application/json": { schema: { $ref: `#/components/schemas/${errorSchemaName(product)}` } } },
        };
  Object.assign(responses, { "4XX": errorResponse, [String(outage)]: outageResponse, "5XX": errorResponse });
  Object.assign(headResponses, {
    "4XX": { description: "Refused (no body)." },
    [String(outage)]: { description: "The database is unavailable for the moment (no body).", headers: retryAfter },
    "5XX": { description: "Failed (no body)." },
  });
  return { responses, headResponses };
}

/** The status a database outage answers on a route: its dialect's rendering of the declared outage reason. */
export function outageStatus(rule: RestRule, product: Product): number {
  const reason = rule.outageReason === "" ? "UNAVAILABLE" : rule.outageReason;
  if (!(reasons as readonly string[]).includes(reason)) throw new Error(`tessera.rest.v1.Rule.outage_reason "${reason}" is not a reason of src/core/errors/reasons.ts`);
  const status = product.dialect.render({ reason: reason as Reason, kind: "unavailable", message: "" }).status;
  if (status < 500 || status > 599) throw new Error(`the ${product.name} dialect answers ${reason} with ${status}, not a 5xx`);
  return status;
}

/** The components/responses name of a product's error answer. */
export function errorResponseName(product: Product): string {
  return `${pascal(product.name)}Error`;
}

/** The components/responses name of a product's 503 (a database outage: try again). */
export function unavailableResponseName(product: Product): string {
  return `${pascal(product.name)}Unavailable`;
}

/** The components/schemas name of a product's error body. */
export function errorSchemaName(product: Product): string {
  return `${pascal(product.name)}Error`;
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function parameter(name: string, where: "path" | "query" | "header" | "cookie", field: DescField, components: SchemaComponents, required: boolean): Record<string, unknown> {
  const schema = where === "query" ? components.fieldSchema(field) : headerSchema(field, components);
  const result: Record<string, unknown> = { name, in: where, required, schema };
  const description = commentOf(field);
  if (description !== "") result.description = description;
  if (where === "query" && field.fieldKind === "list") Object.assign(result, { style: "form", explode: true });
  return result;
}

/** A path, header or cookie value is text: integers and enums as their string forms. */
function headerSchema(field: DescField, components: SchemaComponents): JsonSchema {
  const schema = components.fieldSchema(field);
  if (Array.isArray(schema.type)) return { ...schema, type: "string" };
  return schema;
}

function fieldAt(message: DescMessage, path: string): DescField {
  const found = findFieldPath(message, path);
  if (found === undefined) throw new Error(`${message.typeName} has no field ${path}`);
  return found.field;
}

/** `text/html; charset=utf-8` is the media type `text/html`. */
function mediaType(contentType: string): string {
  return contentType.split(";")[0]!.trim();
}

function cookieAttributes(cookie: { path: string; httpOnly: boolean; sameSite: number; maxAgeField: string }): string {
  const parts = [`Path=${cookie.path || "/"}`];
  if (cookie.httpOnly) parts.push("HttpOnly");
  const sameSite = ["", "Strict", "Lax", "None"][cookie.sameSite] ?? "";
  if (sameSite !== "") parts.push(`SameSite=${sameSite}`);
  if (cookie.maxAgeField !== "") parts.push(`Max-Age from \`${cookie.maxAgeField}\``);
  parts.push("Secure on https origins; an empty value clears it (Max-Age=0)");
  return ` (${parts.join(", ")})`;
}

/** The first sentence of a comment as the summary, the whole comment as the description. */
function summaryOf(comment: string): Record<string, string> {
  if (comment === "") return {};
  const flat = comment.replace(/\s*\n\s*/g, " ");
  const end = flat.search(/[.:](\s|$)/);
  const summary = end < 0 ? flat : flat.slice(0, end);
  return { summary: summary.length > 120 ? `${summary.slice(0, 117)}...` : summary, description: comment };
}
