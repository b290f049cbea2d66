import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { JWTPayload } from "jose";
import type { Clock } from "../clock.js";
import type { KeyService } from "../keys/key.service.js";
import { refuseLocked, type UserLocks } from "../identity/user-lock.js";
import type { LiveToken, TokenStore } from "./issued-token.port.js";
import { createSignedTokens, type SignedTokenPolicy } from "./signed-token.js";

/** How a product's row-backed tokens are issued and refused: data, one per product. */
export interface IssuedTokenPolicy extends SignedTokenPolicy {
  /** Seconds a token lives unless its issue names another lifetime. */
  lifetime: number;
  /** Whether each token is bound to a value (a client id) that must be presented with it. */
  bound?: boolean;
}

/** What a token is issued with. */
export interface TokenInput<Extra> {
  /** Its `jti`; a new UUID when not given. */
  tokenId?: string;
  subject: string;
  extra: Extra;
  /** The value it is bound to, for a bound policy. */
  binding?: string;
  /** Seconds it lives; the policy's lifetime when not given. */
  lifetime?: number;
}

/** A token whose row is written and that is not signed yet. */
export interface RecordedToken<Extra> {
  tokenId: string;
  subject: string;
  extra: Extra;
  bindingHash: Uint8Array | null;
  issuedAt: number;
  lifetime: number;
}

/** A valid token: its row, its claims and when it expires. */
export interface VerifiedToken<Extra> extends LiveToken<Extra> {
  claims: JWTPayload;
  expiresAt: Date;
}

/**
 * Row-backed signed tokens (Hanko sessions, Authenticator API tokens): each JWT is signed by the
 * policy's key family with `jti` naming a stored row, so that revoking the row revokes the token.
 * A token verifies when its signature, issuer and expiry hold at the clock's time, its row is
 * live, the row's subject is its `sub` and, for a bound policy, the presented binding hashes to
 * the row's (compared in constant time). Every failure is the policy's refusal.
 */
export interface IssuedTokens<Extra, Tx = never> {
  /** Writes the row of a new token (with `tx` when the caller has a transaction); sign it once that committed. */
  record(input: TokenInput<Extra>, tx?: Tx): Promise<RecordedToken<Extra>>;
  /** Signs a recorded token with the product's `claims` (outside any transaction: the key may have to be loaded). */
  sign(recorded: RecordedToken<Extra>, claims?: JWTPayload): Promise<string>;
  /** Records and signs a token. */
  issue(input: TokenInput<Extra>, claims?: JWTPayload): Promise<{ recorded: RecordedToken<Extra>; token: string }>;
  /** Checks a token (and the value it is bound to); throws the policy's refusal, or USER_LOCKED. */
  verify(jwt: string | undefined, binding?: string): Promise<VerifiedToken<Extra>>;
  /** Revokes a token (only `subject`'s, when given; in `tx` when given); false when there is no such token. */
  revoke(tokenId: string, subject?: string, tx?: Tx): Promise<boolean>;
}

/**
 * Creates the issued tokens of one product over `store`. With `locks`, a locked user's token is
 * neither recorded (so no login of theirs completes) nor accepted (so no session of theirs is used):
 * USER_LOCKED, in every product whose sessions or tokens this mechanic issues.
 */
export function createIssuedTokens<Extra, Tx = never>(deps: { store: TokenStore<Extra, Tx>; keys: KeyService; policy: IssuedTokenPolicy; clock: Clock; locks?: UserLocks<Tx> }): IssuedTokens<Extra, Tx> {
  const { store, policy, clock, locks } = deps;
  const signed = createSignedTokens(deps.keys, policy, clock);

  // Checked before the row is written, in the caller's transaction: a locked user's login fails
  // there, so nothing it writes alongside (a code to send, a burnt challenge) is kept.
  const record: IssuedTokens<Extra, Tx>["record"] = async (input, tx) => {
    if (policy.bound === true && (input.binding === undefined || input.binding === "")) throw new Error("a bound token needs a binding");
    await refuseLocked(locks, input.subject, tx);
    const tokenId = input.tokenId ?? randomUUID();
    const issuedAt = Math.floor(clock.now().getTime() / 1000);
    const lifetime = input.lifetime ?? policy.lifetime;
    const bindingHash = policy.bound === true ? sha256(input.binding!) : null;
    await store.insert({ tokenId, subject: input.subject, bindingHash, extra: input.extra, expiresAt: new Date((issuedAt + lifetime) * 1000) }, tx);
    return { tokenId, subject: input.subject, extra: input.extra, bindingHash, issuedAt, lifetime };
  };
  const sign: IssuedTokens<Extra, Tx>["sign"] = (recorded, claims) =>
    signed.sign({ tokenId: recorded.tokenId, subject: recorded.subject, issuedAt: recorded.issuedAt, lifetime: recorded.lifetime, claims });

  return {
    record,
    sign,
    async issue(input, claims) {
      const recorded = await record(input);
      return { recorded, token: await sign(recorded, claims) };
    },
    async verify(jwt, binding) {
      if (policy.bound === true && (binding === undefined || binding === "")) throw policy.refuse();
      const { tokenId, subject, claims } = await signed.verify(jwt);
      const row = await store.findLive(tokenId, clock.now());
      if (row === undefined || row.subject !== subject || !bindingMatches(row.bindingHash, binding)) throw policy.refuse();
      await refuseLocked(locks, row.subject);
      return { ...row, claims, expiresAt: new Date((claims.exp ?? 0) * 1000) };
    },
    revoke: (tokenId, subject, tx) => store.revoke(tokenId, subject, tx),
  };

  // A bound token needs the value it was issued to: a stolen token alone is refused.
  function bindingMatches(stored: Uint8Array | null, presented: string | undefined): boolean {
    if (policy.bound !== true) return true;
    if (stored === null || presented === undefined) return false;
    const hash = sha256(presented);
    return hash.length === stored.length && timingSafeEqual(hash, stored);
  }
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
