import { timingSafeEqual } from "node:crypto";
import { isDatabaseUnavailable } from "../core/errors/database-error.js";
import { DomainError } from "../core/errors/domain-error.js";
import type { Logger } from "../log.js";
import { LoginError } from "./login-error.js";
import { withQuery, type RedirectAllowList } from "./redirect-allow-list.js";

/** How long a login state (provider round trip) lives, in seconds. */
export const loginStateTtlSeconds = 600;
/** How long the one-time token of a finished login lives, in seconds. */
export const loginTokenTtlSeconds = 60;

/**
 * Where an error redirect goes: the `Referer` (the seed: "On error, redirects to the
 * `Referer`") when it is an allowed redirect URL or on the fallback's origin, else `fallback`.
 * Any other Referer would make the login endpoints an open redirect to whatever site links them.
 */
export function errorTarget(referer: string, fallback: string, allowList: RedirectAllowList): string {
  if (referer === "") return fallback;
  try {
    const url = new URL(referer);
    if (url.protocol !== "http:" && url.protocol !== "https:") return fallback;
    return allowList.allows(url.href) || url.origin === new URL(fallback).origin ? url.href : fallback;
  } catch {
    return fallback;
  }
}

/**
 * `target` with `error` and `error_description` in the query. A LoginError says what the
 * client may know; a database outage is `temporarily_unavailable` (RFC 6749 §4.1.2.1: try
 * again), logged at warn; anything else is logged at error and becomes `server_error`.
 */
export function errorLocation(target: string, error: unknown, logger: Logger, what: string): string {
  if (error instanceof LoginError) {
    logger.info(`${what} refused`, { error: error.error, description: error.description, cause: causeOf(error) });
    return withQuery(target, { error: error.error, error_description: error.description });
  }
  if (isDatabaseUnavailable(error) || (error instanceof DomainError && error.kind === "unavailable")) {
    logger.warn(`${what} failed: database unavailable`, { error: error instanceof Error ? error.message : String(error) });
    return withQuery(target, { error: "temporarily_unavailable", error_description: "the service is temporarily unavailable; try again shortly" });
  }
  logger.error(`${what} failed`, { error: error instanceof Error ? error.message : String(error) });
  return withQuery(target, { error: "server_error", error_description: "an internal error has occurred" });
}

/** `redirectTo` carrying the one-time token as `hanko_token`, as Hanko's frontend expects. */
export function tokenLocation(redirectTo: string, token: string): string {
  return withQuery(redirectTo, { hanko_token: token });
}

function causeOf(error: Error): string | undefined {
  return error.cause instanceof Error ? error.cause.message : undefined;
}

/** Whether a state cookie and the state a provider sent back are the same, non-empty secret (constant time). */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
