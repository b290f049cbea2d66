import { getOption, hasOption, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { http } from "../../../gen/es/google/api/annotations_pb.js";
import { rule as restRule, type Rule } from "../../../gen/es/tessera/rest/v1/rest_pb.js";
import type { ErrorDialect } from "../../core/errors/dialect.js";
import type { DialectTable } from "../dialect-table.js";
import { productOfDialect } from "../../observe/product.js";

/** One REST route, read from an RPC's `google.api.http` and `tessera.rest.v1.rule`. */
export interface Route {
  readonly verb: string;
  readonly template: string;
  readonly service: DescService;
  readonly method: DescMethod;
  /** Path variables by segment index, each a dotted field path. */
  readonly variables: ReadonlyArray<{ index: number; fieldPath: string }>;
  /** `*`, a field name, or empty for no body. */
  readonly body: string;
  /** The response field sent as the body, or empty for the whole message. */
  readonly responseBody: string;
  readonly rule: Rule;
  readonly dialect: ErrorDialect;
  /** `VERB template`, the route's name in metrics and logs. */
  readonly name: string;
  /** `package.Service/Method`, the RPC it calls. */
  readonly rpc: string;
  /** The product whose API the route belongs to (its dialect's). */
  readonly product: string;
}

/** What matching a path gives: the routes at that path by verb, or the dialect to refuse in. */
export type Match =
  | { found: true; routes: ReadonlyMap<string, Route>; params: string[] }
  | { found: false; dialect: ErrorDialect };

interface Node {
  literals: Map<string, Node>;
  variable: Node | undefined;
  routes: Map<string, Route>;
  /** The dialect of the first route registered at or under this node. */
  dialect: ErrorDialect | undefined;
}

/** The REST routes of a set of services; literal segments win over variables. */
export interface RouteTable {
  match(path: string): Match;
  readonly routes: readonly Route[];
}

/** Builds the route table from the services' descriptors, in their declared dialects. Throws on a duplicate route. */
export function createRouteTable(services: readonly DescService[], dialects: DialectTable): RouteTable {
  const root = newNode();
  const routes: Route[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      if (!hasOption(method, http)) continue;
      const rule = getOption(method, http);
      const binding = rule.pattern;
      if (binding.case === undefined || binding.case === "custom") continue;
      const options = getOption(method, restRule);
      const route = parseRoute(service, method, binding.case.toUpperCase(), binding.value, rule.body, rule.responseBody, options, dialects);
      insert(root, route);
      routes.push(route);
      if (options.allowHead && route.verb === "GET") insert(root, { ...route, verb: "HEAD", name: `HEAD ${route.template}` });
    }
  }
  return { routes, match: (path) => match(root, path, dialects.fallback) };
}

/** Splits a request path into decoded segments; a trailing slash is ignored. */
export function splitPath(path: string): string[] | undefined {
  const parts = path.split("/").slice(1);
  if (parts.length > 1 && parts.at(-1) === "") parts.pop();
  if (parts.length === 1 && parts[0] === "") return [];
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}

function parseRoute(
  service: DescService,
  method: DescMethod,
  verb: string,
  template: string,
  body: string,
  responseBody: string,
  rule: Rule,
  dialects: DialectTable,
): Route {
  const segments = splitPath(template) ?? [];
  const variables: Array<{ index: number; fieldPath: string }> = [];
  segments.forEach((segment, index) => {
    const variable = /^\{([a-z_][a-z0-9_.]*)(=\*)?\}$/.exec(segment);
    if (variable?.[1] !== undefined) variables.push({ index, fieldPath: variable[1] });
    else if (segment.includes("{")) throw new Error(`${method.parent.typeName}.${method.name}: unsupported path segment "${segment}"`);
  });
  return {
    verb,
    template,
    service,
    method,
    variables,
    body,
    responseBody,
    rule,
    dialect: dialects.forRule(rule.dialect),
    name: `${verb} ${template}`,
    rpc: `${service.typeName}/${method.name}`,
    product: productOfDialect(rule.dialect),
  };
}

function newNode(): Node {
  return { literals: new Map(), variable: undefined, routes: new Map(), dialect: undefined };
}

function insert(root: Node, route: Route): void {
  let node = root;
  const segments = splitPath(route.template) ?? [];
  segments.forEach((segment, index) => {
    const isVariable = route.variables.some((v) => v.index === index);
    let next = isVariable ? node.variable : node.literals.get(segment);
    if (next === undefined) {
      next = newNode();
      if (isVariable) node.variable = next;
      else node.literals.set(segment, next);
    }
    node = next;
    node.dialect ??= route.dialect;
  });
  if (node.routes.has(route.verb)) throw new Error(`duplicate REST route ${route.verb} ${route.template}`);
  node.routes.set(route.verb, route);
}

function match(root: Node, path: string, fallbackDialect: ErrorDialect): Match {
  // Repeated slashes are one, as nginx merges them by default: AuthFi's own sample client
  // sends its PUTs to `//{access point}/api/v1/…`.
  const segments = splitPath(path.replace(/\/{2,}/g, "/"));
  if (segments === undefined) return { found: false, dialect: fallbackDialect };
  const params: string[] = [];
  // The dialect of an unmatched path is that of the deepest node reached by a literal
  // segment: a bare variable matches anything, so it says nothing about whose path it is.
  let deepest = { depth: 0, dialect: fallbackDialect };
  const walk = (node: Node, depth: number): Node | undefined => {
    if (depth === segments.length) return node.routes.size > 0 ? node : undefined;
    const segment = segments[depth]!;
    const literal = node.literals.get(segment);
    if (literal !== undefined) {
      if (depth + 1 > deepest.depth && literal.dialect !== undefined) deepest = { depth: depth + 1, dialect: literal.dialect };
      const found = walk(literal, depth + 1);
      if (found !== undefined) return found;
    }
    if (node.variable === undefined) return undefined;
    params.push(segment);
    const found = walk(node.variable, depth + 1);
    if (found === undefined) params.pop();
    return found;
  };
  const node = walk(root, 0);
  if (node === undefined) return { found: false, dialect: deepest.dialect };
  return { found: true, routes: node.routes, params };
}
