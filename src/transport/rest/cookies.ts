import { SameSite, type CookieBinding } from "../../../gen/es/tessera/rest/v1/rest_pb.js";

/**
 * Serialises a `Set-Cookie` value (RFC 6265 §4.1). An empty value clears the cookie.
 * `secure` is set on https origins, and always with SameSite=None.
 */
export function serializeCookie(binding: CookieBinding, value: string, maxAge: number | undefined, secure: boolean): string {
  const parts = [`${binding.cookie}=${encodeURIComponent(value)}`, `Path=${binding.path || "/"}`];
  if (value === "") parts.push("Max-Age=0");
  else if (maxAge !== undefined && maxAge > 0) parts.push(`Max-Age=${Math.floor(maxAge)}`);
  if (binding.httpOnly) parts.push("HttpOnly");
  if (secure || binding.sameSite === SameSite.NONE) parts.push("Secure");
  switch (binding.sameSite) {
    case SameSite.STRICT:
      parts.push("SameSite=Strict");
      break;
    case SameSite.LAX:
      parts.push("SameSite=Lax");
      break;
    case SameSite.NONE:
      parts.push("SameSite=None");
      break;
    case SameSite.UNSPECIFIED:
      break;
  }
  return parts.join("; ");
}
