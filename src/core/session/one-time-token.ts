import { randomBytes } from "node:crypto";
import { systemClock, type Clock } from "../clock.js";
import { DomainError } from "../errors/domain-error.js";
import type { SecretBox } from "../keys/secret-box.js";
import type { OneTimeTokenStore } from "./one-time-token.port.js";

const hashContext = "one-time-token";

/** What could be a token: base64url, 16 to 128 characters. */
const tokenPattern = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * One-time login tokens (third-party and SAML login issue them; `POST /token` exchanges them):
 * 32 random bytes, base64url, stored only as their HMAC, single use, with an expiry.
 */
export interface OneTimeTokens {
  /** Issues a token for `userId`, valid `ttlSeconds`. */
  issue(userId: string, ttlSeconds: number): Promise<string>;
  /**
   * Consumes a token and returns its user. Throws INVALID_TOKEN_FORMAT (invalid) for something
   * that cannot be a token, TOKEN_INVALID (precondition) for an unknown, used or expired one.
   */
  consume(value: string): Promise<string>;
  /** The user and expiry of a live token, without using it (introspection); undefined for anything else. */
  find(value: string): Promise<{ userId: string; expiresAt: Date } | undefined>;
}

/** Creates the one-time tokens over `store`. */
export function createOneTimeTokens(deps: { store: OneTimeTokenStore; secrets: SecretBox; clock?: Clock }): OneTimeTokens {
  const { store, secrets } = deps;
  const clock = deps.clock ?? systemClock;
  return {
    async issue(userId, ttlSeconds) {
      const value = randomBytes(32).toString("base64url");
      await store.insert({ userId, valueHash: secrets.hash(value, hashContext), expiresAt: new Date(clock.now().getTime() + ttlSeconds * 1000) });
      return value;
    },
    async consume(value) {
      if (!tokenPattern.test(value)) {
        throw new DomainError("INVALID_TOKEN_FORMAT", "invalid", "value must be a base64url token", { details: { details: [{ path: "value", error: "invalid" }] } });
      }
      const userId = await store.consume(secrets.hash(value, hashContext), clock.now());
      if (userId === undefined) throw new DomainError("TOKEN_INVALID", "precondition", "the token is unknown, used or expired");
      return userId;
    },
    find(value) {
      if (!tokenPattern.test(value)) return Promise.resolve(undefined);
      return store.findLive(secrets.hash(value, hashContext), clock.now());
    },
  };
}
