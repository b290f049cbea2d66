import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../clock.js";
import { DomainError } from "../errors/domain-error.js";
import type { KeyService } from "../keys/key.service.js";
import type { SessionStore } from "./session.port.js";
import { createSignedTokens, type SignedTokenPolicy } from "./signed-token.js";

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

/** Hanko's session tokens: RS256 (verifiable with the published JWKS), refused as UNAUTHENTICATED. */
export const hankoSessionPolicy: SignedTokenPolicy = {
  alg: "RS256",
  refuse: (cause) => new DomainError("UNAUTHENTICATED", "unauthenticated", "Unauthorized", { cause }),
};

/**
 * Issues and checks session tokens: signed JWTs, each backed by a stored session so that
 * logout revokes it server-side.
 */
export interface SessionTokens {
  issue(userId: string): Promise<IssuedSession>;
  /** Checks a token; throws the policy's refusal for a missing, forged, expired or revoked one. */
  authenticate(token: string | undefined): Promise<AuthenticatedSession>;
  revoke(sessionId: string): Promise<void>;
}

/** What the session tokens need. */
export interface SessionTokenOptions {
  store: SessionStore;
  keys: KeyService;
  /** Session lifetime in seconds. */
  lifetime: number;
  /** Hanko's by default. */
  policy?: SignedTokenPolicy;
  clock?: Clock;
}

/** Creates the session token service. */
export function createSessionTokens(options: SessionTokenOptions): SessionTokens {
  const { store, lifetime } = options;
  const clock = options.clock ?? systemClock;
  const policy = options.policy ?? hankoSessionPolicy;
  const signed = createSignedTokens(options.keys, policy, clock);
  return {
    async issue(userId) {
      const sessionId = randomUUID();
      const issuedAt = Math.floor(clock.now().getTime() / 1000);
      await store.insert({ id: sessionId, userId, expiresAt: new Date((issuedAt + lifetime) * 1000) });
      const token = await signed.sign({ tokenId: sessionId, subject: userId, issuedAt, lifetime });
      return { sessionId, userId, token, lifetime };
    },
    async authenticate(token) {
      const { tokenId, subject } = await signed.verify(token);
      const session = await store.findLive(tokenId, clock.now());
      if (session === undefined || session.userId !== subject) throw policy.refuse();
      return session;
    },
    revoke: (sessionId) => store.revoke(sessionId),
  };
}
