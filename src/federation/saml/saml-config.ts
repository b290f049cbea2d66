import { createPrivateKey, X509Certificate } from "node:crypto";
import { ConfigError } from "../../core/errors/config-error.js";
import { isLoopbackHttp, readAbsoluteUrl, readRedirectUrls } from "../oauth/oauth-config.js";

/** SAML attribute names, by the claim they carry (Hanko's `attribute_map`). */
export type SamlAttributeMap = Record<(typeof attributeClaims)[number], string>;

/** The claims an attribute map may name. */
export const attributeClaims = [
  "name", "family_name", "given_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website",
  "gender", "birthdate", "zone_info", "locale", "updated_at", "email", "email_verified", "phone", "phone_verified",
] as const;

const claimsNamespace = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";

/** One SAML service provider from `HANKO_SAML_PROVIDERS`, registered for a domain. */
export interface SamlProviderConfig {
  domain: string;
  name: string;
  enabled: boolean;
  /** The identity provider's metadata, fetched from this URL … */
  metadataUrl: string | undefined;
  /** … or given inline. */
  metadataXml: string | undefined;
  skipEmailVerification: boolean;
  attributeMap: SamlAttributeMap;
}

/** SAML settings; undefined in Config when `HANKO_SAML_PROVIDERS` is unset (SAML off). */
export interface SamlConfig {
  providers: SamlProviderConfig[];
  redirectUrls: string[];
  /** Where errors go (and `/saml/auth` errors without a `Referer`). */
  defaultRedirectUrl: string;
  /** The assertion consumer service: `<HANKO_PUBLIC_URL>/saml/callback`. */
  acsUrl: string;
  /** The service provider's entity id (the audience): `<HANKO_PUBLIC_URL>/saml/metadata`. */
  entityId: string;
  /** PEM private key that signs AuthnRequests. */
  privateKey: string;
  /** PEM certificate of that key, published in the metadata. */
  certificate: string;
}

type Env = Record<string, string | undefined>;

/** Reads the `HANKO_SAML_*` variables; undefined when SAML is not configured. */
export function loadSamlConfig(env: Env, publicUrl: string, fallbackUrl: string): SamlConfig | undefined {
  const raw = env.HANKO_SAML_PROVIDERS?.trim();
  if (raw === undefined || raw === "") return undefined;
  const providers = parseProviders(raw);
  const privateKey = pem(env, "HANKO_SAML_SP_KEY");
  const certificate = pem(env, "HANKO_SAML_SP_CERT");
  try {
    createPrivateKey(privateKey);
  } catch {
    throw new ConfigError("HANKO_SAML_SP_KEY must be a PEM private key");
  }
  try {
    new X509Certificate(certificate);
  } catch {
    throw new ConfigError("HANKO_SAML_SP_CERT must be a PEM certificate");
  }
  return {
    providers,
    redirectUrls: readRedirectUrls(env, "HANKO_SAML_REDIRECT_URLS"),
    defaultRedirectUrl: readAbsoluteUrl(env, "HANKO_SAML_DEFAULT_REDIRECT_URL") ?? fallbackUrl,
    acsUrl: `${publicUrl}/saml/callback`,
    entityId: `${publicUrl}/saml/metadata`,
    privateKey,
    certificate,
  };
}

function pem(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === "") throw new ConfigError(`${name} is required with HANKO_SAML_PROVIDERS (PEM; \\n escapes allowed)`);
  return value.replace(/\\n/g, "\n");
}

function parseProviders(raw: string): SamlProviderConfig[] {
  const name = "HANKO_SAML_PROVIDERS";
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(`${name} must be a JSON list [{"domain", "metadataUrl" or "metadataXml", …}]`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(`${name} must be a JSON list`);
  const seen = new Set<string>();
  return parsed.map((raw: unknown, index) => {
    const where = `${name}[${index}]`;
    if (typeof raw !== "object" || raw === null) throw new ConfigError(`${where} must be an object`);
    const entry = raw as Record<string, unknown>;
    const text = (key: string): string | undefined => {
      const item = entry[key];
      if (item === undefined) return undefined;
      if (typeof item !== "string" || item === "") throw new ConfigError(`${where}.${key} must be a non-empty string`);
      return item;
    };
    const flag = (key: string, fallback: boolean): boolean => {
      const item = entry[key];
      if (item === undefined) return fallback;
      if (typeof item !== "boolean") throw new ConfigError(`${where}.${key} must be true or false`);
      return item;
    };
    const domain = text("domain")?.toLowerCase();
    if (domain === undefined || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain)) throw new ConfigError(`${where}.domain must be a fully qualified domain name`);
    if (seen.has(domain)) throw new ConfigError(`${where}.domain ${domain} is registered twice`);
    seen.add(domain);
    const metadataUrl = text("metadataUrl");
    const metadataXml = text("metadataXml");
    if ((metadataUrl === undefined) === (metadataXml === undefined)) throw new ConfigError(`${where} needs exactly one of metadataUrl and metadataXml`);
    // The metadata carries the certificates assertions are trusted by: never over plain http
    // but on loopback, where a test IdP runs.
    if (metadataUrl !== undefined && !isSecureOrLoopback(metadataUrl)) throw new ConfigError(`${where}.metadataUrl must be an https URL (http only on 127.0.0.1, [::1] or localhost)`);
    const map = entry.attributeMap ?? {};
    if (typeof map !== "object" || map === null || Array.isArray(map)) throw new ConfigError(`${where}.attributeMap must be an object`);
    const attributeMap = defaultAttributeMap();
    for (const [claim, attribute] of Object.entries(map)) {
      if (!(attributeClaims as readonly string[]).includes(claim)) throw new ConfigError(`${where}.attributeMap.${claim} is not one of ${attributeClaims.join(", ")}`);
      if (typeof attribute !== "string") throw new ConfigError(`${where}.attributeMap.${claim} must be a string`);
      attributeMap[claim as keyof SamlAttributeMap] = attribute;
    }
    return { domain, name: text("name") ?? domain, enabled: flag("enabled", true), metadataUrl, metadataXml, skipEmailVerification: flag("skipEmailVerification", false), attributeMap };
  });
}

function defaultAttributeMap(): SamlAttributeMap {
  const map = Object.fromEntries(attributeClaims.map((claim) => [claim, ""])) as SamlAttributeMap;
  map.email = `${claimsNamespace}/emailaddress`;
  map.name = `${claimsNamespace}/name`;
  map.given_name = `${claimsNamespace}/givenname`;
  map.family_name = `${claimsNamespace}/surname`;
  return map;
}

function isSecureOrLoopback(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || isLoopbackHttp(url);
  } catch {
    return false;
  }
}
