import { bearerToken, requestCookie } from "../../core/credentials/credential-headers.js";
import { principalKey, type CredentialResolver } from "../../core/credentials/credential-resolver.js";
import type { AccessTokens, AuthenticatedToken, TokenState } from "./access-token.service.js";

/** The cookie a token is bound to (seed 002). */
export const clientIdCookie = "CLIENTID";
/** The metadata header that carries the client id where a cookie cannot (browser Connect and gRPC-Web clients). */
export const clientIdHeader = "x-client-id";

/** Where the transport leaves the token of an RPC declaring `CREDENTIAL_SCHEME_AUTHENTICATOR_TOKEN`. */
export const authenticatorToken = principalKey<AuthenticatedToken>("authenticator token");

const states: ReadonlySet<string> = new Set<TokenState>(["unverified", "identified", "authorized"]);

/**
 * Resolves `CREDENTIAL_SCHEME_AUTHENTICATOR_TOKEN`: the bearer token in the declared `state`, with
 * the client id it is bound to from the `CLIENTID` cookie, else the `x-client-id` header (a
 * browser cannot set the `cookie` header of a Connect or gRPC-Web call). Throws INVALID_TOKEN
 * (unauthenticated) or WRONG_TOKEN_STATE (forbidden).
 */
export function createAuthenticatorTokenResolver(tokens: AccessTokens): CredentialResolver<AuthenticatedToken> {
  return {
    key: authenticatorToken,
    check({ state, tenantField }) {
      if (!states.has(state)) return `the state "${state}", which is none of ${[...states].join(", ")}`;
      if (tenantField !== "") return `a tenant field (${tenantField}), which the scheme takes none of`;
      return undefined;
    },
    // The gate checked the declared state at start (check above).
    resolve({ header, state }) {
      const clientId = requestCookie(header, clientIdCookie) ?? header.get(clientIdHeader) ?? undefined;
      return tokens.authenticate({ jwt: bearerToken(header), clientId }, state as TokenState);
    },
  };
}
