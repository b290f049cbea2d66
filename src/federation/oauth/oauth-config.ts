import { ConfigError } from "../../core/errors/config-error.js";
import { redirectPatternProblem } from "../redirect-allow-list.js";

/** One OAuth 2.0 / OpenID Connect provider from `HANKO_THIRDPARTY_PROVIDERS`. */
export interface OAuthProviderConfig {
  /** The name clients pass as `provider`. */
  name: string;
  /** `google` and `github` have fixed endpoints; `oidc` is found by discovery at `issuer`. */
  kind: "google" | "github" | "oidc";
  /** The issuer URL (`oidc` only). */
  issuer: string | undefined;
  clientId: string;
  secret: string;
  enabled: boolean;
}

/** Third-party login settings. */
export interface ThirdPartyConfig {
  providers: OAuthProviderConfig[];
  /** Allowed `redirect_to` patterns (see redirect-allow-list.ts). */
  redirectUrls: string[];
  /** Where errors go when there is no `Referer` (auth) and always from the callback. */
  errorUrl: string;
  /** The `redirect_uri` registered with every provider: `<HANKO_PUBLIC_URL>/thirdparty/callback`. */
  callbackUrl: string;
}

type Env = Record<string, string | undefined>;

/** Reads the `HANKO_THIRDPARTY_*` variables; `publicUrl` is `HANKO_PUBLIC_URL` (no trailing `/`). */
export function loadThirdPartyConfig(env: Env, publicUrl: string, fallbackUrl: string): ThirdPartyConfig {
  const providers = parseProviders(env.HANKO_THIRDPARTY_PROVIDERS?.trim());
  return {
    providers,
    redirectUrls: readRedirectUrls(env, "HANKO_THIRDPARTY_REDIRECT_URLS"),
    errorUrl: readAbsoluteUrl(env, "HANKO_THIRDPARTY_ERROR_URL") ?? fallbackUrl,
    callbackUrl: `${publicUrl}/thirdparty/callback`,
  };
}

/** Reads a comma-separated list of allowed redirect URL patterns; names the variable on error. */
export function readRedirectUrls(env: Env, name: string): string[] {
  const patterns = (env[name] ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
  for (const pattern of patterns) {
    const problem = redirectPatternProblem(pattern);
    if (problem !== undefined) throw new ConfigError(`${name}: "${pattern}" ${problem} (comma-separated http(s) URLs, a trailing /* allowed)`);
  }
  return patterns;
}

/** Reads an optional absolute http(s) URL; names the variable on error. */
export function readAbsoluteUrl(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) throw new ConfigError(`${name} must be an absolute http(s) URL, got "${value}"`);
  return url.href;
}

/** True for http URLs whose host is the loopback interface (allowed as issuers for local testing). */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
}

function parseProviders(value: string | undefined): OAuthProviderConfig[] {
  const name = "HANKO_THIRDPARTY_PROVIDERS";
  if (value === undefined || value === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(`${name} must be a JSON object {"<provider>": {"clientId", "secret", …}}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ConfigError(`${name} must be a JSON object keyed by provider name`);
  return Object.entries(parsed as Record<string, unknown>).map(([provider, raw]) => {
    const where = `${name}.${provider}`;
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(provider)) throw new ConfigError(`${name}: provider names are lower-case letters, digits, - and _, got "${provider}"`);
    if (typeof raw !== "object" || raw === null) throw new ConfigError(`${where} must be an object`);
    const entry = raw as Record<string, unknown>;
    const text = (key: string, required: boolean): string | undefined => {
      const item = entry[key];
      if (item === undefined && !required) return undefined;
      if (typeof item !== "string" || item === "") throw new ConfigError(`${where}.${key} must be a non-empty string`);
      return item;
    };
    if (entry.enabled !== undefined && typeof entry.enabled !== "boolean") throw new ConfigError(`${where}.enabled must be true or false`);
    const kind = provider === "google" || provider === "github" ? provider : "oidc";
    const issuer = kind === "oidc" ? text("issuer", true) : undefined;
    if (issuer !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(issuer);
      } catch {
        url = undefined;
      }
      if (url === undefined || !(url.protocol === "https:" || isLoopbackHttp(url))) throw new ConfigError(`${where}.issuer must be an https URL (http only on 127.0.0.1, [::1] or localhost)`);
    }
    return { name: provider, kind, issuer, clientId: text("clientId", true)!, secret: text("secret", true)!, enabled: entry.enabled !== false };
  });
}
