import { SignJWT, type JWTPayload } from "jose";
import type { DomainError } from "../errors/domain-error.js";
import type { Clock } from "../clock.js";
import type { KeyService, SigningAlgorithm } from "../keys/key.service.js";
import { JwtRefused, verifyOwnJwt } from "../keys/verify-jwt.js";

/** How a product's tokens are signed and refused: data, one per product. */
export interface SignedTokenPolicy {
  /** The database key family that signs (RS256 for Hanko sessions, EdDSA for Authenticator tokens). */
  alg: SigningAlgorithm;
  /** The `iss` claim set and required, if the product has one. */
  issuer?: string;
  /** The product's refusal of a missing, malformed, forged, expired or revoked token. */
  refuse(cause?: unknown): DomainError;
}

/** What a token says: `jti` (its row), `sub` and the product's own claims. */
export interface TokenClaims {
  tokenId: string;
  subject: string;
  claims: JWTPayload;
}

/**
 * The JWT half of every server-side token (Hanko sessions, Authenticator API tokens): signed
 * with the newest database key of the policy's family, `jti` naming the row that makes it
 * revocable, verified against every published key at the injected clock's time.
 */
export interface SignedTokens {
  /** Signs `claims` with `jti`, `sub`, `iat` (unix seconds) and `exp` = `iat` + `lifetime`. */
  sign(token: { tokenId: string; subject: string; issuedAt: number; lifetime: number; claims?: JWTPayload }): Promise<string>;
  /** The claims of a token we signed that is current now; throws the policy's refusal otherwise. */
  verify(jwt: string | undefined): Promise<TokenClaims>;
}

/** Creates the signer and verifier of one product's tokens. */
export function createSignedTokens(keys: KeyService, policy: SignedTokenPolicy, clock: Clock): SignedTokens {
  return {
    async sign(token) {
      const key = await keys.signingKey(policy.alg);
      const jwt = new SignJWT({ ...token.claims }).setProtectedHeader({ alg: policy.alg, kid: key.kid, typ: "JWT" });
      if (policy.issuer !== undefined) jwt.setIssuer(policy.issuer);
      return jwt
        .setSubject(token.subject)
        .setJti(token.tokenId)
        .setIssuedAt(token.issuedAt)
        .setExpirationTime(token.issuedAt + token.lifetime)
        .sign(key.privateKey);
    },
    async verify(jwt) {
      if (jwt === undefined || jwt === "") throw policy.refuse();
      let claims: JWTPayload;
      try {
        claims = await verifyOwnJwt(keys, policy.alg, jwt, { currentDate: clock.now(), ...(policy.issuer === undefined ? {} : { issuer: policy.issuer }) });
      } catch (error) {
        if (error instanceof JwtRefused) throw policy.refuse(error);
        throw error;
      }
      if (typeof claims.jti !== "string" || typeof claims.sub !== "string") throw policy.refuse();
      return { tokenId: claims.jti, subject: claims.sub, claims };
    },
  };
}
