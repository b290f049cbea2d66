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
  /** The tessera.rest.v1.Dialect value name, e.g. `DIALECT_HANKO`. */
  dialect: string;
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
  /** The reason of a database outage where it is not `UNAVAILABLE`; empty when it is. */
  outageReason: string;
  /** The route takes other sites' form posts (a SAML response): its body may be a form. */
  crossSiteFormPost: boolean;
}

/** What `tessera.rest.v1.credential` declares: the scheme (the tessera.rest.v1.CredentialScheme value name). */
export interface RestCredential {
  scheme: string;
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
  const credential = hasOption(method, credentialExtension) ? (getOption(method, credentialExtension) as unknown as CredentialShape) : undefined;
  const schemeName = credential === undefined ? "CREDENTIAL_SCHEME_UNSPECIFIED" : valueName(registry, "tessera.rest.v1.CredentialScheme", credential.scheme);
  return {
    method,
    verb: pattern.case.toUpperCase(),
    template: pattern.value,
    body: httpRule.body,
    responseBody: httpRule.responseBody,
    credential: credential === undefined || schemeName === "CREDENTIAL_SCHEME_UNSPECIFIED" ? undefined : { scheme: schemeName, state: credential.state },
    rule: {
      successStatus: rule.successStatus,
      dialect: valueName(registry, "tessera.rest.v1.Dialect", rule.dialect),
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
      outageReason: rule.outageReason,
      crossSiteFormPost: rule.crossSiteFormPost,
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

/** The name of an enum value in the request's own descriptors (numbers stay the proto's business). */
function valueName(registry: Registry, enumName: string, number: number): string {
  const value = registry.getEnum(enumName)?.values.find((candidate) => candidate.number === number);
  if (value === undefined) throw new Error(`${enumName} has no value ${number}`);
  return value.name;
}

interface CredentialShape {
  scheme: number;
  state: string;
}

interface RuleShape extends Omit<RestRule, "dialect" | "requestHeaders" | "requestCookies" | "responseHeaders" | "responseCookies"> {
  dialect: number;
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
