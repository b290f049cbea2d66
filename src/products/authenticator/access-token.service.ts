import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import { DomainError } from "../../core/errors/domain-error.js";
import type { KeyService } from "../../core/keys/key.service.js";
import { createSignedTokens, type SignedTokenPolicy } from "../../core/session/signed-token.js";
import type { Schema } from "../../store/schema.js";
import { findLiveToken, insertToken, revokeUserToken, type TokenRow } from "../../store/authenticator/access-token.store.js";

/** Where a token stands: signed up, password checked, or through its second factor. */
export type TokenState = TokenRow["state"];

/** The `iss` of every Authenticator API token (as in the seed's example token). */
export const tokenIssuer = "authenticator";
/** Seconds an `unverified` or `identified` token lives: long enough to read a code. */
export const pendingTokenLifetime = 900;

/** The Authenticator API's tokens: EdDSA, `iss` "authenticator", refused as INVALID_TOKEN. */
export const accessTokenPolicy: SignedTokenPolicy = {
  alg: "EdDSA",
  issuer: tokenIssuer,
  refuse: (cause) => new DomainError("INVALID_TOKEN", "unauthenticated", "The token is invalid or expired", { cause }),
};

/** A token handed to a client, with the client id it is bound to. */
export interface IssuedToken {
  tokenId: string;
  userId: string;
  token: string;
  clientId: string;
}

/** A token whose row is written and that is not signed yet. */
export interface PendingToken {
  tokenId: string;
  userId: string;
  state: TokenState;
  clientId: string;
  clientHash: Buffer;
  issuedAt: number;
  lifetime: number;
}

/** A valid token presented with its client id. */
export interface AuthenticatedToken {
  tokenId: string;
  userId: string;
  state: TokenState;
  clientId: string;
  expiresAt: Date;
}

/** What a call presents: the bearer JWT and the `CLIENTID` cookie. */
export interface TokenCredentials {
  jwt: string | undefined;
  clientId: string | undefined;
}

/**
 * Issues and checks the Authenticator API's tokens: EdDSA JWTs from the database keys, each
 * backed by an `authenticator_tokens` row (revocation by `jti`) and bound to a client id whose
 * SHA-256 is the `client_id` claim.
 */
export interface AccessTokens {
  /**
   * Stores the row of a new token for `userId` in `state` with `db` (a transaction when the
   * caller has one), with the id `tokenId` when given (the id of the code challenge it waits
   * for); a `clientId` continues a client, a new one is made otherwise. Sign it with `sign` once
   * the transaction committed.
   */
  record(db: Kysely<Schema>, input: { tokenId?: string; userId: string; state: TokenState; clientId?: string }): Promise<PendingToken>;
  /** Signs a recorded token (outside any transaction: the key may have to be loaded). */
  sign(pending: PendingToken): Promise<IssuedToken>;
  /**
   * Checks a token and its client id. Throws INVALID_TOKEN (unauthenticated) for a missing,
   * forged, altered, expired, used or revoked token or a missing or foreign client id, and
   * WRONG_TOKEN_STATE (forbidden) for a valid token in another state.
   */
  authenticate(credentials: TokenCredentials, state: TokenState): Promise<AuthenticatedToken>;
  /** Revokes the user's token `tokenId` (its `jti`). Throws TOKEN_NOT_FOUND (not_found). */
  revoke(userId: string, tokenId: string): Promise<void>;
}

/** Creates the token service. */
export function createAccessTokens(deps: { db: Kysely<Schema>; keys: KeyService; tenantId: string; lifetime: number; now?: () => number }): AccessTokens {
  const { keys, tenantId } = deps;
  const now = deps.now ?? Date.now;
  const refuse = accessTokenPolicy.refuse;
  const signed = createSignedTokens(keys, accessTokenPolicy, { now: () => new Date(now()) });

  return {
    async record(db, input) {
      const tokenId = input.tokenId ?? randomUUID();
      const clientId = input.clientId ?? randomBytes(30).toString("base64url");
      const issuedAt = Math.floor(now() / 1000);
      const lifetime = input.state === "authorized" ? deps.lifetime : pendingTokenLifetime;
      const clientHash = sha256(clientId);
      await insertToken(db, {
        id: tokenId,
        tenantId,
        userId: input.userId,
        state: input.state,
        clientHash,
        expiresAt: new Date((issuedAt + lifetime) * 1000),
      });
      return { tokenId, userId: input.userId, state: input.state, clientId, clientHash, issuedAt, lifetime };
    },

    async sign(pending) {
      const token = await signed.sign({
        tokenId: pending.tokenId,
        subject: pending.userId,
        issuedAt: pending.issuedAt,
        lifetime: pending.lifetime,
        claims: { user_id: pending.userId, state: pending.state, client_id: pending.clientHash.toString("hex") },
      });
      return { tokenId: pending.tokenId, userId: pending.userId, token, clientId: pending.clientId };
    },

    async authenticate(credentials, state) {
      const { jwt, clientId } = credentials;
      if (jwt === undefined || jwt === "" || clientId === undefined || clientId === "") throw refuse();
      const { tokenId, subject, claims } = await signed.verify(jwt);
      const row = await findLiveToken(deps.db, tenantId, tokenId, new Date(now()));
      // The cookie must be the one the token was issued to: a stolen token alone is refused.
      const presented = sha256(clientId);
      if (row === undefined || row.user_id !== subject || !timingSafeEqual(presented, Buffer.from(row.client_hash))) throw refuse();
      if (row.state !== state || claims.state !== state) throw new DomainError("WRONG_TOKEN_STATE", "forbidden", `This needs a token in state ${state}`);
      return { tokenId: row.id, userId: row.user_id, state: row.state, clientId, expiresAt: row.expires_at };
    },

    async revoke(userId, tokenId) {
      if (!(await revokeUserToken(deps.db, tenantId, userId, tokenId))) throw new DomainError("TOKEN_NOT_FOUND", "not_found", "No such token");
    },
  };
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
