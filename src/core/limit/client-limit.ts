import type { DescMethod } from "@bufbuild/protobuf";
import type { LimitPolicy } from "./limit-policy.js";

/**
 * A limit per client IP address on one RPC (an unauthenticated entry point that mails or
 * guesses), counted by the one limiter before the handler runs. RPCs of one product share its
 * policy, and so its counter.
 */
export interface ClientLimit {
  readonly method: DescMethod;
  readonly policy: LimitPolicy;
}

/** The per-client limit of each of `methods`, all under `policy`. */
export function clientLimits(policy: LimitPolicy, methods: readonly DescMethod[]): ClientLimit[] {
  return methods.map((method) => ({ method, policy }));
}

/** Requests one client address may make per minute to a product's limited entry points: a busy office behind one NAT passes, a script does not. */
export const defaultClientRequestsPerMinute = 100;
