import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import type { KeyService, SigningAlgorithm } from "./key.service.js";

/** Why a JWT was refused: kept as the cause in logs, never sent. */
export class JwtRefused extends Error {
  override readonly name = "JwtRefused";
}

/**
 * The claims of `token` when one of our published `alg` keys (by `kid`) signed it and it is
 * current at `currentDate` (and from `issuer`, when given). Throws JwtRefused for a malformed,
 * unknown-key, forged or expired token; anything else it throws is unexpected.
 */
export async function verifyOwnJwt(keys: KeyService, alg: SigningAlgorithm, token: string, options: { currentDate: Date; issuer?: string }): Promise<JWTPayload> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch (error) {
    throw new JwtRefused("malformed header", { cause: error });
  }
  const key = kid === undefined ? undefined : await keys.verificationKey(alg, kid);
  if (key === undefined) throw new JwtRefused("unknown key");
  try {
    return (await jwtVerify(token, key, { algorithms: [alg], currentDate: options.currentDate, ...(options.issuer === undefined ? {} : { issuer: options.issuer }) })).payload;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw new JwtRefused("not verified", { cause: error });
    throw error;
  }
}
