import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { serializeCookie } from "./cookies.js";
import { findFieldPath } from "./fields.js";
import type { Route } from "./route-table.js";

/** An encoded REST answer. */
export interface RestAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | undefined;
}

/** What the encoder needs to know of the request. */
export interface EncodeOptions {
  accept: string | undefined;
  secureCookies: boolean;
}

/**
 * Encodes an RPC's output as the route declares: success status, response headers and
 * cookies taken from fields (and left out of the body), the body as JSON, one field of it, or
 * raw text for a non-JSON content type, and 204 when `no_content_unless_field` is false.
 */
export function encodeResponse<Desc extends DescMessage>(route: Route, schema: Desc, message: MessageShape<Desc>, options: EncodeOptions): RestAnswer {
  const { rule } = route;
  const json = toJson(schema, message, { alwaysEmitImplicit: true }) as Record<string, unknown>;
  const headers: Record<string, string | string[]> = {};

  // Read every header, cookie and status field before any leaves the body: one field may
  // feed several (the session lifetime is a header and the cookie's Max-Age).
  for (const binding of rule.responseHeaders) {
    const value = peek(schema, json, binding.field);
    if (value !== undefined && value !== "" && value !== 0) headers[binding.header] = String(value);
  }
  const cookies: string[] = [];
  for (const binding of rule.responseCookies) {
    const value = peek(schema, json, binding.field);
    const maxAge = binding.maxAgeField === "" ? undefined : Number(peek(schema, json, binding.maxAgeField));
    if (value !== undefined) cookies.push(serializeCookie(binding, String(value), maxAge, options.secureCookies));
  }
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const declaredStatus = rule.statusField === "" ? 0 : Number(peek(schema, json, rule.statusField) ?? 0);
  for (const field of [...rule.responseHeaders.map((b) => b.field), ...rule.responseCookies.map((b) => b.field), rule.statusField]) {
    if (field !== "") remove(schema, json, field);
  }

  if (rule.noContentUnlessField !== "" && peek(schema, json, rule.noContentUnlessField) !== true) {
    return { status: 204, headers, body: undefined };
  }
  const status = declaredStatus || rule.successStatus || 200;
  if (status === 204) return { status, headers, body: undefined };

  if (rule.acceptContentType !== "" && accepts(options.accept, rule.acceptContentType)) {
    headers["content-type"] = rule.acceptContentType;
    return { status, headers, body: String(peek(schema, json, rule.acceptBodyField) ?? "") };
  }
  if (route.responseBody !== "") {
    const value = peek(schema, json, route.responseBody);
    if (rule.responseContentType !== "") {
      headers["content-type"] = rule.responseContentType;
      return { status, headers, body: String(value ?? "") };
    }
    headers["content-type"] = "application/json; charset=utf-8";
    return { status, headers, body: JSON.stringify(value ?? null) };
  }
  headers["content-type"] = "application/json; charset=utf-8";
  return { status, headers, body: JSON.stringify(json) };
}

/** Whether an `Accept` header asks for `type` explicitly. */
function accepts(accept: string | undefined, type: string): boolean {
  if (accept === undefined) return false;
  return accept.split(",").some((part) => part.split(";")[0]?.trim().toLowerCase() === type.toLowerCase());
}

function peek(schema: DescMessage, json: Record<string, unknown>, fieldPath: string): unknown {
  const target = findFieldPath(schema, fieldPath);
  if (target === undefined) throw new Error(`response field ${fieldPath} does not exist in ${schema.typeName}`);
  let node: unknown = json;
  for (const key of target.jsonPath) node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

function remove(schema: DescMessage, json: Record<string, unknown>, fieldPath: string): void {
  const target = findFieldPath(schema, fieldPath);
  if (target?.jsonPath.length === 1) delete json[target.jsonPath[0]!];
}
