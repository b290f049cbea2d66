import { randomBytes } from "node:crypto";
import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import type { Clock } from "../../core/clock.js";
import { DomainError } from "../../core/errors/domain-error.js";
import type { KeyService } from "../../core/keys/key.service.js";
import type { RunInTransaction } from "../../core/transaction.port.js";
import type { TokenStore } from "../../core/session/issued-token.port.js";
import type { UserLocks } from "../../core/identity/user-lock.js";
import { createIssuedTokens, type RecordedToken } from "../../core/session/issued-token.service.js";
import { accessTokenPolicy, pendingTokenLifetime } from "./policy.js";

/** Where a token stands: signed up, password checked, or through its second factor. */
export type TokenState = "unverified" | "identified" | "authorized";

/** What an Authenticator token's row holds besides the mechanic's columns. */
export interface TokenExtra {
  state: TokenState;
}

/** A token handed to a client, with the client id it is bound to. */
export interface IssuedToken {
  tokenId: string;
  userId: string;
  token: string;
  clientId: string;
}

/** A token whose row is written and that is not signed yet. */
export interface PendingToken {
  recorded: RecordedToken<TokenExtra>;
  clientId: string;
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
 * The Authenticator API's tokens over the issued-token mechanic: EdDSA JWTs from the database
 * keys, each backed by an `authenticator_tokens` row (revocation by `jti`) and bound to a client
 * id whose SHA-256 is the `client_id` claim; a token is in one of three states and each call
 * needs the one it declares. `Tx` is the store's transaction.
 */
export interface AccessTokens<Tx = unknown> {
  /**
   * Stores the row of a new token for `userId` in `state` with `tx`, with the id `tokenId` when
   * given (the id of the code challenge it waits for); a `clientId` continues a client, a new
   * one is made otherwise. Sign it with `sign` once the transaction committed.
   */
  record(tx: Tx, input: { tokenId?: string; userId: string; state: TokenState; clientId?: string }): Promise<PendingToken>;
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

/** Creates the token service; `lifetime` is an authorized token's, in seconds. */
export function createAccessTokens<Tx>(deps: {
  store: TokenStore<TokenExtra, Tx>;
  transaction: RunInTransaction<Tx>;
  keys: KeyService;
  lifetime: number;
  clock: Clock;
  locks?: UserLocks<Tx>;
  audit?: AuditLog<unknown>;
}): AccessTokens<Tx> {
  const audit = deps.audit ?? noAudit;
  const tokens = createIssuedTokens({ store: deps.store, keys: deps.keys, policy: { ...accessTokenPolicy, lifetime: deps.lifetime }, clock: deps.clock, locks: deps.locks });

  return {
    async record(tx, input) {
      const clientId = input.clientId ?? randomBytes(30).toString("base64url");
      const lifetime = input.state === "authorized" ? deps.lifetime : pendingTokenLifetime;
      const recorded = await tokens.record({ tokenId: input.tokenId, subject: input.userId, extra: { state: input.state }, binding: clientId, lifetime }, tx);
      // A token in the authorized state is a session: the login or sign-up it ends is through,
      // and its event commits with its row.
      if (input.state === "authorized") await audit.record(tx, { type: "session.issued", outcome: "success", product: "authenticator", userId: input.userId, details: { token_id: recorded.tokenId } });
      return { recorded, clientId };
    },

    async sign({ recorded, clientId }) {
      const clientHash = Buffer.from(recorded.bindingHash!).toString("hex");
      const token = await tokens.sign(recorded, { user_id: recorded.subject, state: recorded.extra.state, client_id: clientHash });
      return { tokenId: recorded.tokenId, userId: recorded.subject, token, clientId };
    },

    async authenticate({ jwt, clientId }, state) {
      const token = await tokens.verify(jwt, clientId);
      if (token.extra.state !== state || token.claims.state !== state) throw new DomainError("WRONG_TOKEN_STATE", "forbidden", `This needs a token in state ${state}`);
      return { tokenId: token.tokenId, userId: token.subject, state: token.extra.state, clientId: clientId!, expiresAt: token.expiresAt };
    },

    revoke: (userId, tokenId) =>
      deps.transaction(async (tx) => {
        if (!(await tokens.revoke(tokenId, userId, tx))) throw new DomainError("TOKEN_NOT_FOUND", "not_found", "No such token");
        await audit.record(tx, { type: "token.revoked", outcome: "success", product: "authenticator", userId, details: { token_id: tokenId } });
      }),
  };
}
