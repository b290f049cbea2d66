import { compactVerify, decodeProtectedHeader, importJWK } from "jose";
import { DomainError } from "../../core/errors/domain-error.js";

const pkPattern = /^[A-Za-z0-9_-]{43}$/;
/** How far a client's clock may run ahead of ours for `nbf` and `iat`. */
const clockSkewSeconds = 60;

/** Claims of a verified JWT. */
export type Claims = Record<string, unknown> & { sub: string };

/**
 * Verifies a compact JWT self-signed (EdDSA, RFC 8037) by the Ed25519 key in its `sub` and
 * returns its claims. `alg: none` and every other algorithm, a bad signature, `exp` in the past
 * and `nbf` in the future are refused with AUTH_ERROR (unauthenticated); a body that is not a
 * JWT, or one whose `sub` is not a 43-char base64url key, with INVALID_JWT (invalid).
 */
export async function verifySelfSigned(jwt: string, now: () => number = Date.now): Promise<Claims> {
  let header;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw new DomainError("INVALID_JWT", "invalid", "the body is not a compact JWT");
  }
  if (header.alg !== "EdDSA" && header.alg !== "Ed25519") throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT must be signed with EdDSA");
  const claims = payloadOf(jwt);
  const sub = claims.sub;
  if (typeof sub !== "string" || !pkPattern.test(sub)) throw new DomainError("INVALID_JWT", "invalid", "the JWT needs `sub`, a 43-char base64url Ed25519 key");
  try {
    const key = await importJWK({ kty: "OKP", crv: "Ed25519", x: sub }, "EdDSA");
    await compactVerify(jwt, key, { algorithms: ["EdDSA", "Ed25519"] });
  } catch {
    throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT is not signed by the key in `sub`");
  }
  const seconds = Math.floor(now() / 1000);
  if (claims.exp !== undefined && (typeof claims.exp !== "number" || claims.exp <= seconds)) throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT has expired");
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf > seconds + clockSkewSeconds)) throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT is not yet valid");
  if (claims.iat !== undefined && (typeof claims.iat !== "number" || claims.iat > seconds + clockSkewSeconds)) throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT was issued in the future");
  return claims as Claims;
}

/** Verifies a JWT self-signed by the key `pk` (the `{PK}` of the path): its `sub` must be `pk`. */
export async function verifySignedBy(pk: string, jwt: string, now?: () => number): Promise<Claims> {
  checkPk(pk);
  const claims = await verifySelfSigned(jwt, now);
  if (claims.sub !== pk) throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT must be signed by the key of the path");
  return claims;
}

/** Checks a `{PK}` path value: a 43-char base64url Ed25519 public key. */
export function checkPk(pk: string): string {
  if (!pkPattern.test(pk)) throw new DomainError("INVALID_KEY", "invalid", "the key must be a 43-char base64url Ed25519 public key");
  return pk;
}

/** The string claim `name`; throws INVALID_JWT naming it when missing or empty. */
export function requiredClaim(claims: Claims, name: string): string {
  const value = claims[name];
  if (typeof value !== "string" || value === "") throw new DomainError("INVALID_JWT", "invalid", `the JWT needs \`${name}\``);
  return value;
}

/** The string claim `name`, or undefined; throws INVALID_JWT when present but not a string. */
export function optionalClaim(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new DomainError("INVALID_JWT", "invalid", `the claim \`${name}\` must be a string`);
  return value;
}

function payloadOf(jwt: string): Record<string, unknown> {
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
  } catch {
    throw new DomainError("INVALID_JWT", "invalid", "the JWT payload is not JSON");
  }
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) throw new DomainError("INVALID_JWT", "invalid", "the JWT payload is not an object");
  return claims as Record<string, unknown>;
}
