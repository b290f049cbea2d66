import type { AuthenticatedSession, IssuedSession, SessionTokens } from "../../core/session/session-token.service.js";
import { bearerToken, requestCookie } from "../../core/credentials/credential-headers.js";
import { declaresNothingMore, principalKey, type CredentialResolver } from "../../core/credentials/credential-resolver.js";

/** The name of Hanko's session cookie. */
export const sessionCookie = "hanko";

/** Where the transport leaves the session of an RPC declaring `CREDENTIAL_SCHEME_HANKO_SESSION`. */
export const hankoSession = principalKey<AuthenticatedSession>("hanko session");

/**
 * Resolves `CREDENTIAL_SCHEME_HANKO_SESSION`: `Authorization: Bearer <JWT>` (REST header or RPC
 * metadata), else the `hanko` cookie. Throws UNAUTHENTICATED (unauthenticated).
 */
export function createHankoSessionResolver(tokens: SessionTokens): CredentialResolver<AuthenticatedSession> {
  return { key: hankoSession, check: declaresNothingMore, resolve: ({ header }) => tokens.authenticate(bearerToken(header) ?? requestCookie(header, sessionCookie)) };
}

/** The response fields that deliver a session: cookie, `X-Auth-Token` (unless disabled), lifetime. */
export function sessionFields(session: IssuedSession, authTokenHeader: boolean) {
  return { sessionToken: session.token, authToken: authTokenHeader ? session.token : "", sessionLifetime: session.lifetime };
}
