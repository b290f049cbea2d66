import type { AuditProduct } from "../audit/audit-event.js";
import { noAudit, type AuditLog } from "../audit/audit.service.js";
import type { Clock } from "../clock.js";
import { DomainError, isDomainError } from "../errors/domain-error.js";
import type { Reason } from "../errors/reasons.js";
import type { SecretBox } from "../keys/secret-box.js";
import type { LimitKey, LimitPolicy } from "./limit-policy.js";
import type { LimitStore } from "./limit.port.js";

/** What `consume` decided. */
export type LimitDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/**
 * Attempt and rate limits: fixed windows counted in the database in one statement per hit, so
 * parallel requests and replicas share the count and none slips under it. Keys are stored as a
 * keyed hash: the table names no user or contact, and an unknown one is counted like a known one.
 */
export interface Limiter {
  /** Counts a hit of `key` under `policy`; refused past `policy.max`, with the seconds until the window ends. */
  consume(key: LimitKey, policy: LimitPolicy): Promise<LimitDecision>;
  /** As `consume`, throwing the policy's reason (rate_limited) when refused. */
  enforce(key: LimitKey, policy: LimitPolicy): Promise<void>;
  /**
   * Runs `attempt` as one hit of every `(key, policy)`: refused (nothing run) when any is used up,
   * kept when `attempt` throws a DomainError whose reason is in `failures`, taken back otherwise.
   * The hit is counted before the attempt runs: parallel attempts cannot all slip under the limit.
   */
  guard<T>(limits: ReadonlyArray<readonly [LimitKey, LimitPolicy]>, failures: readonly Reason[], attempt: () => Promise<T>): Promise<T>;
  /** Throws the policy's reason when `key` has no hit left under `policy` (counts nothing). */
  check(key: LimitKey, policy: LimitPolicy): Promise<void>;
}

/** The error a refused hit throws. */
export function limitRefusal(policy: LimitPolicy, retryAfterSeconds: number): DomainError {
  return new DomainError(policy.reason, "rate_limited", policy.message, { details: { retryAfterSeconds } });
}

/** Creates the limiter of a tenant. */
export function createLimiter(deps: { store: LimitStore; tenantId: string; secrets: SecretBox; clock: Clock; audit?: AuditLog<unknown> }): Limiter {
  const { store, tenantId, secrets, clock } = deps;
  const audit = deps.audit ?? noAudit;
  const hash = (key: LimitKey, policy: LimitPolicy) => secrets.hash(key.join("\0"), `limit:${policy.name}`);
  const retryAfter = (policy: LimitPolicy, windowStartedAt: Date, at: Date) =>
    Math.max(1, Math.ceil((windowStartedAt.getTime() + policy.windowSeconds * 1000 - at.getTime()) / 1000));
  const consume = async (hashed: Uint8Array, policy: LimitPolicy): Promise<LimitDecision> => {
    const at = clock.now();
    const count = await store.hit(tenantId, hashed, at, policy.windowSeconds);
    if (count.hits <= policy.max) return { allowed: true, remaining: policy.max - count.hits };
    // Recorded once per window and key, by the first refused hit: a flood writes one event, not one
    // per request. The window's mark and the event commit together, so an event that could not be
    // written is written by the next refused hit, not lost with a count that moved past it.
    if (!count.tripped) {
      const event = { type: "rate_limit.tripped", outcome: "failure", product: productOf(policy), reason: policy.reason, details: { limit: policy.name, window_seconds: policy.windowSeconds } } as const;
      await store.trip(tenantId, hashed, count.windowStartedAt, at, (tx) => audit.record(tx, event));
    }
    return { allowed: false, retryAfterSeconds: retryAfter(policy, count.windowStartedAt, at) };
  };
  return {
    consume: (key, policy) => consume(hash(key, policy), policy),
    async enforce(key, policy) {
      const decision = await consume(hash(key, policy), policy);
      if (!decision.allowed) throw limitRefusal(policy, decision.retryAfterSeconds);
    },
    async guard(limits, failures, attempt) {
      const taken: Uint8Array[] = [];
      const refundAll = () => Promise.all(taken.map((hashed) => store.refund(tenantId, hashed)));
      for (const [key, policy] of limits) {
        const hashed = hash(key, policy);
        const decision = await consume(hashed, policy);
        taken.push(hashed);
        if (!decision.allowed) {
          // A refused hit is not an attempt: the others it took are given back.
          await Promise.all(taken.slice(0, -1).map((other) => store.refund(tenantId, other)));
          throw limitRefusal(policy, decision.retryAfterSeconds);
        }
      }
      try {
        const result = await attempt();
        await refundAll();
        return result;
      } catch (error) {
        if (!isDomainError(error) || !failures.includes(error.reason)) await refundAll();
        throw error;
      }
    },
    async check(key, policy) {
      const at = clock.now();
      const count = await store.current(tenantId, hash(key, policy), at, policy.windowSeconds);
      if (count !== undefined && count.hits >= policy.max) throw limitRefusal(policy, retryAfter(policy, count.windowStartedAt, at));
    },
  };
}

const products: readonly AuditProduct[] = ["hanko", "jincor", "authentiq", "authenticator", "authfi"];

/** The product a limit is named after (`hanko:passcode-send`); `shared` for one every product counts on (the password guesses). */
function productOf(policy: LimitPolicy): AuditProduct {
  const prefix = policy.name.split(":")[0] as AuditProduct;
  return products.includes(prefix) ? prefix : "shared";
}
