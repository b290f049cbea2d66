import type { AuditProduct } from "../audit/audit-event.js";
import { noAudit, type AuditLog } from "../audit/audit.service.js";
import { systemClock, type Clock } from "../clock.js";
import type { KeyService } from "../keys/key.service.js";
import type { SessionStore } from "./session.port.js";
import type { TokenStore } from "./issued-token.port.js";
import { createIssuedTokens } from "./issued-token.service.js";
import type { UserLocks } from "../identity/user-lock.js";
import type { SignedTokenPolicy } from "./signed-token.js";

/** A session handed to a client. */
export interface IssuedSession {
  sessionId: string;
  userId: string;
  /** The RS256 JWT: `sub` the user id, `jti` the session id. */
  token: string;
  /** Seconds until it expires. */
  lifetime: number;
}

/** Who a valid session token belongs to. */
export interface AuthenticatedSession {
  sessionId: string;
  userId: string;
}

/**
 * Issues and checks session tokens: signed JWTs, each backed by a stored session so that
 * logout revokes it server-side.
 */
export interface SessionTokens {
  /**
   * Issues a session of `userId`; `alongside` (the login's own event) runs in the transaction of
   * the session row and its event, after the lock check: a refused session records no login.
   */
  issue(userId: string, alongside?: (tx: unknown) => Promise<void>): Promise<IssuedSession>;
  /**
   * Records a session of `userId` and its event in `tx` (the login's transaction); the answer
   * signs its token, to be called once `tx` committed (signing may read the keys).
   */
  issueIn(tx: unknown, userId: string): Promise<() => Promise<IssuedSession>>;
  /** Checks a token; throws the policy's refusal for a missing, forged, expired or revoked one. */
  authenticate(token: string | undefined): Promise<AuthenticatedSession>;
  revoke(sessionId: string): Promise<void>;
}

/** What the session tokens need. */
export interface SessionTokenOptions<Tx = unknown> {
  store: SessionStore<Tx>;
  keys: KeyService;
  /** Session lifetime in seconds. */
  lifetime: number;
  /** The product's algorithm and refusal (Hanko's in src/products/hanko/policy.ts). */
  policy: SignedTokenPolicy;
  clock?: Clock;
  /** Where sessions issued and revoked are recorded, as `product`'s (`shared` when unset). */
  audit?: AuditLog<unknown>;
  product?: AuditProduct;
  /** Operators' locks: a locked user gets no session and cannot use one (USER_LOCKED). */
  locks?: UserLocks<Tx>;
}

/** Creates the session token service: the issued-token mechanic over the sessions. */
export function createSessionTokens<Tx>(options: SessionTokenOptions<Tx>): SessionTokens {
  const { lifetime } = options;
  const policy = { ...options.policy, lifetime };
  const { store } = options;
  const tokens = createIssuedTokens<Record<string, never>, Tx>({ store: sessionRows(store), keys: options.keys, policy, clock: options.clock ?? systemClock, locks: options.locks });
  const audit = options.audit ?? noAudit;
  const product = options.product ?? "shared";
  // The row and its event in one transaction; signed once both committed.
  const record = async (tx: Tx, userId: string) => {
    const row = await tokens.record({ subject: userId, extra: {} }, tx);
    await audit.record(tx, { type: "session.issued", outcome: "success", product, userId, details: { session_id: row.tokenId } });
    return async (): Promise<IssuedSession> => ({ sessionId: row.tokenId, userId, token: await tokens.sign(row), lifetime });
  };
  return {
    async issue(userId, alongside) {
      const sign = await store.transaction(async (tx) => {
        const signed = await record(tx, userId);
        await alongside?.(tx);
        return signed;
      });
      return sign();
    },
    issueIn: (tx, userId) => record(tx as Tx, userId),
    async authenticate(token) {
      const { tokenId, subject } = await tokens.verify(token);
      return { sessionId: tokenId, userId: subject };
    },
    // The event names the session's user, so the user's trail shows the logout; nothing
    // revoked (a concurrent logout got there first) is nothing to record.
    revoke: (sessionId) =>
      store.transaction(async (tx) => {
        const revoked = await store.revoke(sessionId, tx);
        if (revoked === undefined) return;
        await audit.record(tx, { type: "session.revoked", outcome: "success", product, userId: revoked.userId, details: { session_id: sessionId } });
      }),
  };
}

/** The sessions as token rows: unbound, nothing of their own. */
function sessionRows<Tx>(store: SessionStore<Tx>): TokenStore<Record<string, never>, Tx> {
  return {
    insert: (token, tx) => store.insert({ id: token.tokenId, userId: token.subject, expiresAt: token.expiresAt }, tx),
    async findLive(id, at) {
      const session = await store.findLive(id, at);
      return session === undefined ? undefined : { tokenId: session.sessionId, subject: session.userId, bindingHash: null, extra: {} };
    },
    revoke: async (id) => (await store.revoke(id)) !== undefined,
  };
}
