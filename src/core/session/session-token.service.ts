import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Kysely } from "kysely";
import { DomainError } from "../errors/domain-error.js";
import type { KeyService } from "../keys/key.service.js";
import { JwtRefused, verifyOwnJwt } from "../keys/verify-jwt.js";
import type { Schema } from "../../store/schema.js";
import { findLiveSession, insertSession, revokeSession } from "../../store/session/session.store.js";

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
 * Issues and checks session tokens: RS256 JWTs from the key service, verifiable with the
 * published JWKS, each backed by a `sessions` row so that logout revokes it server-side.
 */
export interface SessionTokens {
  issue(userId: string): Promise<IssuedSession>;
  /** Checks a token; throws UNAUTHENTICATED (unauthenticated) for a missing, forged, expired or revoked one. */
  authenticate(token: string | undefined): Promise<AuthenticatedSession>;
  revoke(sessionId: string): Promise<void>;
}

/** What the session tokens need. */
export interface SessionTokenOptions {
  db: Kysely<Schema>;
  keys: KeyService;
  tenantId: string;
  /** Session lifetime in seconds. */
  lifetime: number;
  now?: () => number;
}

/** Creates the session token service. */
export function createSessionTokens(options: SessionTokenOptions): SessionTokens {
  const { db, keys, tenantId, lifetime } = options;
  const now = options.now ?? Date.now;
  const refuse = (cause?: unknown) => new DomainError("UNAUTHENTICATED", "unauthenticated", "Unauthorized", { cause });
  return {
    async issue(userId) {
      const sessionId = randomUUID();
      const issuedAt = Math.floor(now() / 1000);
      await insertSession(db, { id: sessionId, tenantId, userId, expiresAt: new Date((issuedAt + lifetime) * 1000) });
      const key = await keys.signingKey("RS256");
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
        .setSubject(userId)
        .setJti(sessionId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + lifetime)
        .sign(key.privateKey);
      return { sessionId, userId, token, lifetime };
    },
    async authenticate(token) {
      if (token === undefined || token === "") throw refuse();
      let claims;
      try {
        claims = await verifyOwnJwt(keys, "RS256", token, { currentDate: new Date(now()) });
      } catch (error) {
        if (error instanceof JwtRefused) throw refuse(error);
        throw error;
      }
      if (typeof claims.sub !== "string" || typeof claims.jti !== "string") throw refuse();
      const session = await findLiveSession(db, tenantId, claims.jti, new Date(now()));
      if (session === undefined || session.userId !== claims.sub) throw refuse();
      return session;
    },
    revoke: (sessionId) => revokeSession(db, sessionId),
  };
}
