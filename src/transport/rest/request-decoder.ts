import { fromJson, type DescMessage, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { DomainError } from "../../core/errors/domain-error.js";
import { parseCookies } from "../../core/credentials/request-cookies.js";
import { findFieldPath, jsonFromString, setJsonPath } from "./fields.js";
import type { Route } from "./route-table.js";

/** The parts of an HTTP request the decoder reads. */
export interface RestRequest {
  headers: Record<string, string | string[] | undefined>;
  query: URLSearchParams;
  params: readonly string[];
  body: Buffer;
}

/** How strictly a REST request is read; the default is lenient, as the product APIs' clients expect. */
export interface DecodeOptions {
  /**
   * Refuse (INVALID_FIELD) a query parameter that names no field the query may set (unknown, a
   * map, or one the path or body binds): the admin API, whose callers are scripts that must learn
   * of a misspelt filter, not list everyone.
   */
  strict?: boolean;
}

/**
 * Decodes a REST request into the RPC's input message, as the route declares: path variables,
 * then the body (JSON into `*` or one field, raw text for a declared non-JSON content type, or a
 * form where the route declares `cross_site_form_post`), then
 * query parameters for fields the path and body did not bind, then headers and cookies.
 * Throws DomainError MALFORMED_BODY, UNSUPPORTED_MEDIA_TYPE or INVALID_FIELD.
 */
export function decodeRequest<Desc extends DescMessage>(route: Route, schema: Desc, request: RestRequest, options: DecodeOptions = {}): MessageShape<Desc> {
  const strict = options.strict === true;
  let json: Record<string, unknown> = {};
  const bound = new Set<string>();

  if (route.body !== "") {
    const decoded = decodeBody(route, request, strict);
    if (decoded instanceof URLSearchParams) {
      if (route.body !== "*") throw unsupported("the request body must be application/json");
      bindStrings(schema, json, decoded, bound, false);
    } else if (route.body === "*") {
      if (decoded !== undefined) {
        if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) throw malformed("the request body must be a JSON object");
        json = decoded as Record<string, unknown>;
      }
    } else {
      const target = findFieldPath(schema, route.body);
      if (target === undefined) throw new Error(`${route.template}: body field ${route.body} does not exist`);
      bound.add(target.field.name);
      if (decoded !== undefined) setJsonPath(json, target.jsonPath, decoded);
    }
  }

  route.variables.forEach((variable, index) => {
    const target = findFieldPath(schema, variable.fieldPath);
    if (target === undefined) throw new Error(`${route.template}: path field ${variable.fieldPath} does not exist`);
    bound.add(target.field.name);
    setJsonPath(json, target.jsonPath, stringValue(target.field, request.params[index] ?? "", target.jsonPath));
  });

  if (route.body === "*" && strict) refuseQuery(request.query.keys().next().value, "the request is read from the body alone");
  const queried = route.body !== "*" ? bindStrings(schema, json, request.query, bound, strict) : [];

  for (const binding of route.rule.requestHeaders) {
    const value = request.headers[binding.header.toLowerCase()];
    const target = findFieldPath(schema, binding.field);
    if (target === undefined) throw new Error(`${route.template}: header field ${binding.field} does not exist`);
    if (value !== undefined) setJsonPath(json, target.jsonPath, Array.isArray(value) ? value.join(", ") : value);
  }
  if (route.rule.requestCookies.length > 0) {
    const cookies = parseCookies(headerString(request.headers.cookie));
    for (const binding of route.rule.requestCookies) {
      const target = findFieldPath(schema, binding.field);
      if (target === undefined) throw new Error(`${route.template}: cookie field ${binding.field} does not exist`);
      const value = cookies.get(binding.cookie);
      if (value !== undefined) setJsonPath(json, target.jsonPath, value);
    }
  }

  try {
    return fromJson(schema, json as JsonValue, { ignoreUnknownFields: true });
  } catch (error) {
    // A query parameter is named as the caller spelt it (the JSON path of a nested message is ambiguous).
    const culprit = queried.find(({ jsonPath, value }) => !decodes(schema, jsonPath, value));
    if (culprit !== undefined) throw fieldError(culprit.key.slice(0, 64), "has the wrong type", error);
    // A body bound to one field is that field's JSON: name paths inside it from its root.
    const bodyPath = route.body === "" || route.body === "*" ? undefined : findFieldPath(schema, route.body)?.jsonPath.join(".");
    throw invalidField(schema, error, bodyPath);
  }
}

/** Binds string parameters (query or form) to the fields they name; other names are ignored, or refused when `strict`. */
function bindStrings(schema: DescMessage, json: Record<string, unknown>, params: URLSearchParams, bound: ReadonlySet<string>, strict: boolean): Bound[] {
  const bindings: Bound[] = [];
  for (const key of new Set(params.keys())) {
    const target = findFieldPath(schema, key);
    if (target === undefined || target.field.fieldKind === "map") {
      if (strict) refuseQuery(key, "names no field of this request");
      continue;
    }
    if (bound.has(target.field.name)) {
      if (strict) refuseQuery(key, "is set by the path");
      continue;
    }
    const values = params.getAll(key).map((value) => stringValue(target.field, value, target.jsonPath));
    const value = target.field.fieldKind === "list" ? values : values.at(-1);
    setJsonPath(json, target.jsonPath, value);
    bindings.push({ key, jsonPath: target.jsonPath, value });
  }
  return bindings;
}

/** A string parameter bound to a field: its name as sent, the field's JSON path and the JSON value. */
interface Bound {
  key: string;
  jsonPath: string[];
  value: unknown;
}

/** Whether `value` alone at `jsonPath` decodes as `schema`. */
function decodes(schema: DescMessage, jsonPath: string[], value: unknown): boolean {
  const json: Record<string, unknown> = {};
  setJsonPath(json, jsonPath, value);
  try {
    fromJson(schema, json as JsonValue, { ignoreUnknownFields: true });
    return true;
  } catch {
    return false;
  }
}

/** A query parameter the strict decoder does not take: INVALID_FIELD naming it; nothing for none. */
function refuseQuery(name: string | undefined, why: string): void {
  if (name === undefined) return;
  // The name is the caller's own text: quoted and cut short, never echoed whole.
  const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
  throw new DomainError("INVALID_FIELD", "invalid", `unknown query parameter ${shown}: it ${why}`, { details: { details: [{ path: name.slice(0, 64), error: "unknown query parameter" }] } });
}

/**
 * The body as JSON, raw text (declared non-JSON type), or form parameters (a route that declares
 * `cross_site_form_post`); UNSUPPORTED_MEDIA_TYPE for any other content type, none among them.
 */
function decodeBody(route: Route, request: RestRequest, strict: boolean): unknown {
  const contentType = headerString(request.headers["content-type"])?.split(";")[0]?.trim().toLowerCase() ?? "";
  const declared = route.rule.requestContentType.toLowerCase();
  if (declared !== "") {
    if (request.body.length === 0) return undefined;
    if (contentType !== declared && contentType !== "text/plain") throw unsupported(`the request body must be ${declared}`);
    return request.body.toString("utf8").trim();
  }
  if (request.body.length === 0) return undefined;
  if (contentType === "application/x-www-form-urlencoded" && route.rule.crossSiteFormPost && !strict) return new URLSearchParams(request.body.toString("utf8"));
  // Only JSON: the types an HTML form or a simple fetch sends without a preflight (text/plain,
  // a form, multipart) and a body without a type are refused, so that no other site's page can
  // post a JSON text disguised as one of them (every seed documents application/json).
  if (contentType !== "application/json" && !contentType.endsWith("+json")) {
    throw unsupported(`the request body must be application/json (Content-Type: application/json), not ${contentType === "" ? "a body without a Content-Type" : JSON.stringify(contentType.slice(0, 64))}`);
  }
  try {
    return JSON.parse(request.body.toString("utf8"));
  } catch (error) {
    throw malformed("the request body is not valid JSON", error);
  }
}

function stringValue(field: Parameters<typeof jsonFromString>[0], value: string, jsonPath: string[]): unknown {
  const json = jsonFromString(field, value);
  if (json === undefined) throw fieldError(jsonPath.join("."), "must be true or false");
  return json;
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function invalidField(schema: DescMessage, error: unknown, bodyPath: string | undefined): DomainError {
  const message = error instanceof Error ? error.message : String(error);
  // protobuf-es names the field as `<message type>.<field>` or the message by its type;
  // clients know it by the dotted JSON path from the request's root.
  const field = /cannot decode field ([\w.]+)\.(\w+) from JSON/.exec(message);
  const nested = /cannot decode message ([\w.]+) from JSON/.exec(message);
  const path = field ? jsonPathTo(schema, field[1]!, field[2]) : nested ? jsonPathTo(schema, nested[1]!, undefined) : undefined;
  const relative = bodyPath !== undefined && path?.startsWith(`${bodyPath}.`) ? path.slice(bodyPath.length + 1) : path;
  return fieldError(relative ?? "body", "has the wrong type", error);
}

/**
 * The dotted JSON path of field `fieldName` of message `typeName` (or, without a field name,
 * of the first field whose type is `typeName`), searched breadth-first from `root`.
 */
function jsonPathTo(root: DescMessage, typeName: string, fieldName: string | undefined): string | undefined {
  const queue: Array<{ message: DescMessage; path: string[] }> = [{ message: root, path: [] }];
  const seen = new Set<string>();
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (seen.has(next.message.typeName)) continue;
    seen.add(next.message.typeName);
    for (const candidate of next.message.fields) {
      const path = [...next.path, candidate.jsonName];
      if (fieldName !== undefined && next.message.typeName === typeName && candidate.name === fieldName) return path.join(".");
      const type = candidate.fieldKind === "message" || (candidate.fieldKind === "list" && candidate.listKind === "message") ? candidate.message : undefined;
      if (type === undefined) continue;
      if (fieldName === undefined && type.typeName === typeName) return path.join(".");
      queue.push({ message: type, path });
    }
  }
  return undefined;
}

function fieldError(path: string, problem: string, cause?: unknown): DomainError {
  return new DomainError("INVALID_FIELD", "invalid", `${path} ${problem}`, { cause, details: { details: [{ path, error: problem }] } });
}

function malformed(message: string, cause?: unknown): DomainError {
  return new DomainError("MALFORMED_BODY", "invalid", message, { cause });
}

function unsupported(message: string): DomainError {
  return new DomainError("UNSUPPORTED_MEDIA_TYPE", "invalid", message);
}
