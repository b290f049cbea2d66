import { getOption, hasOption, type DescMethod, type Registry } from "@bufbuild/protobuf";

/** A header or cookie bound to a field, as `tessera.rest.v1.HeaderBinding`/`CookieBinding` declare. */
export interface FieldBinding {
  /** The header or cookie name. */
  name: string;
  /** The field (proto name, dotted for nested fields). */
  field: string;
}

/** A response cookie: its name, field and attributes. */
export interface CookieAttributes extends FieldBinding {
  path: string;
  httpOnly: boolean;
  /** 0 unspecified, 1 Strict, 2 Lax, 3 None (tessera.rest.v1.SameSite). */
  sameSite: number;
  maxAgeField: string;
}

/** What `tessera.rest.v1.rule` declares, with the defaults the server applies. */
export interface RestRule {
  successStatus: number;
  /** tessera.rest.v1.Dialect: 0 unspecified (Hanko), 1 Hanko, 2 Jincor, 3 AuthFi, 4 Authentiq, 5 Authenticator. */
  dialect: number;
  requestContentType: string;
  responseContentType: string;
  allowHead: boolean;
  requestHeaders: FieldBinding[];
  requestCookies: FieldBinding[];
  responseHeaders: FieldBinding[];
  responseCookies: CookieAttributes[];
  acceptContentType: string;
  acceptBodyField: string;
  noContentUnlessField: string;
  statusField: string;
}

/** What `tessera.rest.v1.credential` declares: the scheme (tessera.rest.v1.CredentialScheme). */
export interface RestCredential {
  scheme: number;
  state: string;
}

/** One REST binding of an RPC, as src/transport/rest/route-table.ts reads it. */
export interface RestBinding {
  method: DescMethod;
  verb: string;
  /** The template as declared, e.g. `/emails/{id}/set_primary`. */
  template: string;
  /** `*`, a field name, or empty for no body. */
  body: string;
  responseBody: string;
  rule: RestRule;
  credential: RestCredential | undefined;
}

/**
 * Reads the REST binding of `method` from `google.api.http` and Tessera's options, looked up
 * in the request's own descriptors (the plugin does not import generated code: `buf generate`
 * regenerates it while the plugin runs). Undefined for an RPC without a REST binding, as the
 * route table skips it (no `google.api.http`, or a `custom` pattern).
 */
export function readRestBinding(registry: Registry, method: DescMethod): RestBinding | undefined {
  const http = registry.getExtension("google.api.http");
  const ruleExtension = registry.getExtension("tessera.rest.v1.rule");
  const credentialExtension = registry.getExtension("tessera.rest.v1.credential");
  if (http === undefined || ruleExtension === undefined || credentialExtension === undefined) {
    throw new Error("the request lacks google/api/annotations.proto or tessera/rest/v1/rest.proto");
  }
  if (!hasOption(method, http)) return undefined;
  const httpRule = getOption(method, http) as unknown as HttpRuleShape;
  const pattern = httpRule.pattern;
  if (pattern.case === undefined || pattern.case === "custom" || typeof pattern.value !== "string") return undefined;
  const rule = getOption(method, ruleExtension) as unknown as RuleShape;
  const credential = hasOption(method, credentialExtension) ? (getOption(method, credentialExtension) as unknown as RestCredential) : undefined;
  return {
    method,
    verb: pattern.case.toUpperCase(),
    template: pattern.value,
    body: httpRule.body,
    responseBody: httpRule.responseBody,
    credential: credential === undefined || credential.scheme === 0 ? undefined : { scheme: credential.scheme, state: credential.state },
    rule: {
      successStatus: rule.successStatus,
      dialect: rule.dialect,
      requestContentType: rule.requestContentType,
      responseContentType: rule.responseContentType,
      allowHead: rule.allowHead,
      requestHeaders: rule.requestHeaders.map(headerBinding),
      requestCookies: rule.requestCookies.map(cookieBinding),
      responseHeaders: rule.responseHeaders.map(headerBinding),
      responseCookies: rule.responseCookies.map(cookieBinding),
      acceptContentType: rule.acceptContentType,
      acceptBodyField: rule.acceptBodyField,
      noContentUnlessField: rule.noContentUnlessField,
      statusField: rule.statusField,
    },
  };
}

/** The fields of `google.api.HttpRule` the plugin reads (a message of the request's own descriptor). */
interface HttpRuleShape {
  pattern: { case: string | undefined; value?: unknown };
  body: string;
  responseBody: string;
}

interface HeaderBindingShape {
  header: string;
  field: string;
}

interface CookieBindingShape {
  cookie: string;
  field: string;
  path: string;
  httpOnly: boolean;
  sameSite: number;
  maxAgeField: string;
}

interface RuleShape extends Omit<RestRule, "requestHeaders" | "requestCookies" | "responseHeaders" | "responseCookies"> {
  requestHeaders: HeaderBindingShape[];
  requestCookies: CookieBindingShape[];
  responseHeaders: HeaderBindingShape[];
  responseCookies: CookieBindingShape[];
}

function headerBinding(binding: HeaderBindingShape): FieldBinding {
  return { name: binding.header, field: binding.field };
}

function cookieBinding(binding: CookieBindingShape): CookieAttributes {
  return { name: binding.cookie, field: binding.field, path: binding.path, httpOnly: binding.httpOnly, sameSite: binding.sameSite, maxAgeField: binding.maxAgeField };
}
