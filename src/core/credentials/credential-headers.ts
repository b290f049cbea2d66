import { parseCookies } from "./request-cookies.js";

/** The token of `Authorization: Bearer <token>` (REST header or RPC metadata), if any. */
export function bearerToken(header: Headers): string | undefined {
  const authorization = header.get("authorization");
  return authorization === null ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}

/** A request cookie by name (REST `Cookie` header or RPC `cookie` metadata), if any. */
export function requestCookie(header: Headers, name: string): string | undefined {
  return parseCookies(header.get("cookie") ?? undefined).get(name);
}
