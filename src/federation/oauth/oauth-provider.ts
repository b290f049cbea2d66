import * as oidc from "openid-client";
import { LoginError, type ExternalUser } from "../login-error.js";
import { isLoopbackHttp, type OAuthProviderConfig } from "./oauth-config.js";

/** The PKCE, state and nonce values of one login. */
export interface LoginChecks {
  state: string;
  codeVerifier: string;
  nonce: string | undefined;
}

/**
 * One configured OAuth 2.0 / OpenID Connect provider (a strategy): builds the authorization
 * URL and turns the callback into the user, with `openid-client` doing the protocol
 * (PKCE S256, state, nonce, RFC 9207 `iss`, ID token claims).
 */
export interface OAuthProvider {
  readonly name: string;
  readonly enabled: boolean;
  /** OpenID Connect providers get a nonce and answer with an ID token. */
  readonly usesNonce: boolean;
  /** The authorization endpoint URL for this login. */
  authorizationUrl(checks: LoginChecks): Promise<URL>;
  /** Exchanges the code the callback carries (`callback` is the callback URL with its query). */
  exchange(callback: URL, checks: LoginChecks): Promise<ExternalUser>;
}

const google = {
  issuer: "https://accounts.google.com",
  authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
  token_endpoint: "https://oauth2.googleapis.com/token",
  userinfo_endpoint: "https://openidconnect.googleapis.com/v1/userinfo",
  jwks_uri: "https://www.googleapis.com/oauth2/v3/certs",
};
const github = {
  issuer: "https://github.com",
  authorization_endpoint: "https://github.com/login/oauth/authorize",
  token_endpoint: "https://github.com/login/oauth/access_token",
};
const githubApi = "https://api.github.com";

/**
 * Creates the provider; an OpenID Connect issuer is discovered at first use and cached.
 * `fetch` replaces the HTTP client (unit tests of the fixed-endpoint providers).
 */
export function createOAuthProvider(config: OAuthProviderConfig, callbackUrl: string, fetch?: oidc.CustomFetch): OAuthProvider {
  const usesNonce = config.kind !== "github";
  let configuration: Promise<oidc.Configuration> | undefined;
  const load = (): Promise<oidc.Configuration> => {
    configuration ??= resolveConfiguration(config, fetch).catch((error: unknown) => {
      configuration = undefined;
      throw new LoginError("server_error", `the provider ${config.name} could not be reached`, { cause: error });
    });
    return configuration;
  };
  return {
    name: config.name,
    enabled: config.enabled,
    usesNonce,
    async authorizationUrl(checks) {
      const parameters: Record<string, string> = {
        redirect_uri: callbackUrl,
        scope: usesNonce ? "openid email profile" : "read:user user:email",
        state: checks.state,
        code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: "S256",
      };
      if (checks.nonce !== undefined) parameters.nonce = checks.nonce;
      return oidc.buildAuthorizationUrl(await load(), parameters);
    },
    async exchange(callback, checks) {
      const server = await load();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(server, callback, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: usesNonce,
        });
      } catch (error) {
        throw new LoginError("invalid_request", "the authorization code could not be exchanged", { cause: error });
      }
      return usesNonce ? openIdUser(server, config.name, tokens) : githubUser(server, config.name, tokens.access_token);
    },
  };
}

async function resolveConfiguration(config: OAuthProviderConfig, fetch: oidc.CustomFetch | undefined): Promise<oidc.Configuration> {
  const auth = oidc.ClientSecretBasic(config.secret);
  const withFetch = (configuration: oidc.Configuration) => {
    if (fetch !== undefined) configuration[oidc.customFetch] = fetch;
    return configuration;
  };
  if (config.kind === "google") return withFetch(new oidc.Configuration(google, config.clientId, undefined, auth));
  if (config.kind === "github") return withFetch(new oidc.Configuration(github, config.clientId, undefined, oidc.ClientSecretPost(config.secret)));
  const issuer = new URL(config.issuer!);
  // Plain http is accepted only for a loopback issuer (local development and tests).
  const execute = isLoopbackHttp(issuer) ? [oidc.allowInsecureRequests] : [];
  return oidc.discovery(issuer, config.clientId, undefined, auth, { execute, ...(fetch === undefined ? {} : { [oidc.customFetch]: fetch }) });
}

async function openIdUser(server: oidc.Configuration, provider: string, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): Promise<ExternalUser> {
  const idToken = tokens.claims();
  if (idToken === undefined) throw new LoginError("invalid_request", "the provider sent no ID token");
  let claims: Record<string, unknown> = { ...idToken };
  if (typeof claims.email !== "string" && server.serverMetadata().userinfo_endpoint !== undefined) {
    try {
      claims = { ...claims, ...(await oidc.fetchUserInfo(server, tokens.access_token, idToken.sub)) };
    } catch (error) {
      throw new LoginError("server_error", "the provider's userinfo could not be read", { cause: error });
    }
  }
  const email = typeof claims.email === "string" ? claims.email : undefined;
  return { provider, subject: idToken.sub, email, emailVerified: claims.email_verified === true, claims: pick(claims, ["name", "given_name", "family_name", "picture", "email", "email_verified"]) };
}

async function githubUser(server: oidc.Configuration, provider: string, accessToken: string): Promise<ExternalUser> {
  const read = async (path: string): Promise<unknown> => {
    const response = await oidc.fetchProtectedResource(server, accessToken, new URL(path, githubApi), "GET", undefined, new Headers({ accept: "application/vnd.github+json" }));
    if (!response.ok) throw new LoginError("server_error", `GitHub answered ${response.status}`);
    return response.json();
  };
  const user = (await read("/user")) as { id?: number; login?: string; name?: string; avatar_url?: string };
  const emails = (await read("/user/emails")) as Array<{ email: string; primary: boolean; verified: boolean }>;
  if (typeof user.id !== "number") throw new LoginError("server_error", "GitHub sent no user id");
  const primary = emails.find((entry) => entry.primary) ?? emails.find((entry) => entry.verified) ?? emails[0];
  return { provider, subject: String(user.id), email: primary?.email, emailVerified: primary?.verified === true, claims: { login: user.login, name: user.name, picture: user.avatar_url } };
}

function pick(claims: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => claims[name] !== undefined).map((name) => [name, claims[name]]));
}
