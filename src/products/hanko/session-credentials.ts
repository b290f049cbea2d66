import type { HandlerContext } from "@connectrpc/connect";
import { parseCookies } from "../../transport/rest/cookies.js";
import type { IssuedSession } from "../../core/session/session-token.service.js";

/** The name of Hanko's session cookie. */
export const sessionCookie = "hanko";

/**
 * The session token a call carries: `Authorization: Bearer <JWT>` (REST header or gRPC
 * metadata), else the `hanko` cookie.
 */
export function sessionTokenFrom(context: HandlerContext): string | undefined {
  const bearer = bearerTokenFrom(context);
  if (bearer !== undefined) return bearer;
  return parseCookies(context.requestHeader.get("cookie") ?? undefined).get(sessionCookie);
}

/** The response fields that deliver a session: cookie, `X-Auth-Token` (unless disabled), lifetime. */
export function sessionFields(session: IssuedSession, authTokenHeader: boolean) {
  return { sessionToken: session.token, authToken: authTokenHeader ? session.token : "", sessionLifetime: session.lifetime };
}

/** The token of `Authorization: Bearer <token>` (REST header or gRPC metadata), if any. */
export function bearerTokenFrom(context: HandlerContext): string | undefined {
  const authorization = context.requestHeader.get("authorization");
  return authorization === null ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}
