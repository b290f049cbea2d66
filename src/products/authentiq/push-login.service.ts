import type { AuthentiqKeyService } from "./key.service.js";
import { requiredClaim, verifySelfSigned } from "./self-signed-jwt.js";
import { defaultMessageTtlSeconds, type Outbox } from "../../delivery/outbox.port.js";
import { DomainError } from "../../core/errors/domain-error.js";

/** Authentiq push sign-in (seed 000 `POST /login`). */
export interface PushLoginService {
  /**
   * Sends a sign-in push to the device of the key that self-signed the PushToken. Throws
   * INVALID_JWT, INVALID_CALLBACK, AUTH_ERROR, AUD_ERROR, UNKNOWN_KEY, REVOKED_KEY.
   */
  requestLogin(callback: string, jwt: string): Promise<{ status: "sent" }>;
}

/** How long a push sign-in is tried when its PushToken carries no `exp`. */
export const pushLoginTtlSeconds = 5 * 60;

/** Creates the service over one tenant's outbox. */
export function createPushLoginService<Tx>(deps: { outbox: Outbox<Tx>; keys: AuthentiqKeyService; nudgeOutbox: () => void; now?: () => number }): PushLoginService {
  const now = deps.now ?? Date.now;
  return {
    async requestLogin(callback, jwt) {
      const target = parseUrl(callback);
      if (target === undefined) throw new DomainError("INVALID_CALLBACK", "invalid", "callback must be an absolute http(s) URI");
      const claims = await verifySelfSigned(jwt, deps.now);
      requiredClaim(claims, "iss");
      const audiences = audienceOf(claims.aud);
      if (!audiences.some((aud) => isUnder(target, aud))) throw new DomainError("AUD_ERROR", "unauthenticated", "the callback is not under the token's audience");
      const key = await deps.keys.requireLive(claims.sub);
      if (key.devtoken === null || key.devtoken === "") throw new DomainError("UNKNOWN_KEY", "not_found", "the key has no device to push to");
      await deps.outbox.enqueue({
        channel: "push",
        recipient: key.devtoken,
        body: JSON.stringify({ type: "login", callback: target.href, jwt }),
        // The push is worth delivering only while its PushToken is valid.
        expiresAt: pushExpiry(claims.exp, now()),
      });
      deps.nudgeOutbox();
      return { status: "sent" };
    },
  };
}

/** The token's `exp` (verified to be in the future when set), else a few minutes; never past the default message TTL. */
function pushExpiry(exp: unknown, nowMs: number): Date {
  const until = typeof exp === "number" ? exp * 1000 : nowMs + pushLoginTtlSeconds * 1000;
  return new Date(Math.min(until, nowMs + defaultMessageTtlSeconds * 1000));
}

function audienceOf(aud: unknown): URL[] {
  const values = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.filter((value): value is string => typeof value === "string") : [];
  if (values.length === 0) throw new DomainError("INVALID_JWT", "invalid", "the JWT needs `aud`");
  return values.map(parseUrl).filter((url): url is URL => url !== undefined);
}

/** Whether `callback` has `aud`'s scheme, host and port and a path at or below `aud`'s. */
function isUnder(callback: URL, aud: URL): boolean {
  if (callback.protocol !== aud.protocol || callback.host !== aud.host || callback.username !== "" || callback.password !== "") return false;
  const base = aud.pathname.endsWith("/") ? aud.pathname : `${aud.pathname}/`;
  return callback.pathname === aud.pathname || callback.pathname.startsWith(base);
}

function parseUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
  } catch {
    return undefined;
  }
}
