import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { decodeProtectedHeader } from "jose";
import type { Clock } from "../core/clock.js";
import { DomainError } from "../core/errors/domain-error.js";
import { isUuid } from "../core/errors/uuid.js";
import type { UserLocks } from "../core/identity/user-lock.js";
import type { SignedTokens } from "../core/session/signed-token.js";
import type { AdminHandlers } from "./admin-service.js";
import type { SessionType, UserDirectory } from "./user-directory.port.js";

/** A family of row-backed JWTs Tessera issues, as introspection checks it. */
export interface IntrospectedFamily {
  type: SessionType;
  product: string;
  /** The JWS `alg` its tokens are signed with. */
  alg: string;
  /** The product's own verifier (signature, issuer, expiry at the clock's time). */
  tokens: SignedTokens;
}

/** What IntrospectToken needs. */
export interface AdminTokensDeps {
  directory: UserDirectory;
  locks: UserLocks;
  families: readonly IntrospectedFamily[];
  clock: Clock;
}

/** The most a token may be: well over any JWT Tessera signs, far under the body limit. */
const maxTokenLength = 8192;

/** An Authentiq key id (`sub`): an Ed25519 public key, 43 base64url characters. */
const authentiqKeyPattern = /^[A-Za-z0-9_-]{43}$/;

/**
 * IntrospectToken: a JWT is tried against the family of its `alg` (its signature, issuer and
 * expiry by the product's own verifier, then its row), an Authentiq key id against the keys.
 * Anything else, or a token that fails any check, is `active: false` and nothing more, never an
 * error; a locked user's token is `active: false, state: "locked"`.
 */
export function createAdminTokensHandler(deps: AdminTokensDeps): AdminHandlers {
  const inactive = { active: false };
  const introspectJwt = async (token: string) => {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return inactive;
    }
    for (const family of deps.families.filter((candidate) => candidate.alg === alg)) {
      let claims;
      try {
        claims = await family.tokens.verify(token);
      } catch (error) {
        if (error instanceof DomainError && error.kind === "unauthenticated") continue;
        throw error;
      }
      if (!isUuid(claims.tokenId)) continue;
      const row = await deps.directory.findLiveSession(family.type, claims.tokenId, deps.clock.now());
      if (row === undefined || row.userId !== claims.subject) continue;
      const described = { subject: row.userId, product: family.product, tokenType: family.type, expiresAt: timestampFromDate(row.expiresAt) };
      if (await deps.locks.isLocked(row.userId)) return { ...described, active: false, state: "locked" };
      return { ...described, active: true, state: row.state };
    }
    return inactive;
  };
  return {
    async introspectToken(request) {
      const token = request.token.trim();
      if (token === "") throw new DomainError("INVALID_FIELD", "invalid", "token is required");
      if (token.length > maxTokenLength) return inactive;
      if (authentiqKeyPattern.test(token)) {
        return (await deps.directory.authentiqKeyActive(token)) ? { active: true, subject: token, product: "authentiq", tokenType: "authentiq_key", state: "active" } : inactive;
      }
      return introspectJwt(token);
    },
  };
}
