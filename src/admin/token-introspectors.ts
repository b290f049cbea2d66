import type { Clock } from "../core/clock.js";
import { DomainError } from "../core/errors/domain-error.js";
import { isUuid } from "../core/errors/uuid.js";
import type { KeyService } from "../core/keys/key.service.js";
import { JwtRefused, verifyOwnJwt } from "../core/keys/verify-jwt.js";
import type { OneTimeTokens } from "../core/session/one-time-token.js";
import type { SignedTokens } from "../core/session/signed-token.js";
import type { SessionType, UserDirectory } from "./user-directory.port.js";

/** What a token Tessera issued stands for, when it is live. */
export interface Introspection {
  subject: string;
  product: string;
  tokenType: string;
  state: string;
  expiresAt: Date | undefined;
  /** The Tessera user it acts for, whose lock makes it inactive; none for an Authentiq key's. */
  userId: string | undefined;
  /** Whether that user is locked, when the lookup read it already; else the handler asks. */
  locked?: boolean;
}

/**
 * One kind of token: `live` for a token of this kind that is live now, `dead` for one of this
 * kind that is not (expired, revoked, used), undefined for a token that is not of this kind.
 */
export type Introspector = (token: string) => Promise<{ live: Introspection } | "dead" | undefined>;

/** A family of row-backed JWTs Tessera issues (Hanko sessions, Authenticator API tokens). */
export interface RowBackedFamily {
  type: SessionType;
  product: string;
  /** The product's own verifier (signature, issuer, expiry at the clock's time). */
  tokens: SignedTokens;
}

/** A JWT whose signature, issuer and expiry `family` accepts and whose row is live. */
export function rowBackedJwts(deps: { family: RowBackedFamily; directory: UserDirectory; clock: Clock }): Introspector {
  const { family, directory, clock } = deps;
  return async (token) => {
    let claims;
    try {
      claims = await family.tokens.verify(token);
    } catch (error) {
      // The product's refusal: not a live token of this family (forged, foreign, expired).
      if (error instanceof DomainError && error.kind === "unauthenticated") return undefined;
      throw error;
    }
    if (!isUuid(claims.tokenId)) return undefined;
    const row = await directory.findLiveSession(family.type, claims.tokenId, clock.now());
    if (row === undefined || row.userId !== claims.subject) return "dead";
    return { live: { subject: row.userId, product: family.product, tokenType: family.type, state: row.state, expiresAt: row.expiresAt, userId: row.userId, locked: row.locked } };
  };
}

/**
 * Claims the Authentiq issuer signed (`PUT /scope/{job}`): our EdDSA key, the issuer's `iss`, not
 * expired, a `scope` and no `jti` (which an Authenticator API token, signed by the same key
 * family, has), for a key that is still registered. Claims of the test issuer vouch for nothing.
 */
export function authentiqClaims(deps: { keys: KeyService; issuer: string; directory: UserDirectory; clock: Clock }): Introspector {
  return async (token) => {
    let claims;
    try {
      claims = await verifyOwnJwt(deps.keys, "EdDSA", token, { currentDate: deps.clock.now(), issuer: deps.issuer });
    } catch (error) {
      if (error instanceof JwtRefused) return undefined;
      throw error;
    }
    if (typeof claims.scope !== "string" || claims.jti !== undefined || typeof claims.sub !== "string") return undefined;
    if (!(await deps.directory.authentiqKeyActive(claims.sub))) return "dead";
    const expiresAt = typeof claims.exp === "number" ? new Date(claims.exp * 1000) : undefined;
    return { live: { subject: claims.sub, product: "authentiq", tokenType: "authentiq_claims", state: "signed", expiresAt, userId: undefined } };
  };
}

/** An Authentiq key id (`sub`): an Ed25519 public key, 43 base64url characters. */
const authentiqKeyPattern = /^[A-Za-z0-9_-]{43}$/;

/** An Authentiq key, by its id: live while registered and not revoked. */
export function authentiqKeys(directory: UserDirectory): Introspector {
  return async (token) => {
    if (!authentiqKeyPattern.test(token)) return undefined;
    if (!(await directory.authentiqKeyActive(token))) return undefined;
    return { live: { subject: token, product: "authentiq", tokenType: "authentiq_key", state: "active", expiresAt: undefined, userId: undefined } };
  };
}

/** A Hanko one-time login token (third-party and SAML logins hand it out for `POST /token`), not used nor expired. */
export function hankoOneTimeTokens(tokens: OneTimeTokens): Introspector {
  return async (token) => {
    const found = await tokens.find(token);
    if (found === undefined) return undefined;
    return { live: { subject: found.userId, product: "hanko", tokenType: "hanko_one_time_token", state: "", expiresAt: found.expiresAt, userId: found.userId } };
  };
}
