import type { DescMethod } from "@bufbuild/protobuf";
import type { ContextValues } from "@connectrpc/connect";
import { clientKey } from "../core/client/client.js";
import type { ClientLimit } from "../core/limit/client-limit.js";
import type { Limiter } from "../core/limit/limit.service.js";
import type { LimitPolicy } from "../core/limit/limit-policy.js";

/** Counts a call of a limited RPC against its client's address; the REST transcoder and the RPC interceptor both call it. */
export interface ClientLimitGate {
  /** Throws the policy's rate_limited DomainError past the limit; resolves at once for an RPC without one. */
  enforce(method: DescMethod, values: ContextValues): Promise<void>;
  /** Whether `method` has a per-client limit (the RPC interceptor skips the others). */
  limits(method: DescMethod): boolean;
}

/**
 * The gate of `limits` over `limiter`. A call whose client address is unknown (made in process)
 * is not counted: one shared key would let one caller lock out every other.
 */
export function createClientLimitGate(limits: readonly ClientLimit[], limiter: Pick<Limiter, "enforce">): ClientLimitGate {
  const policies = new Map<DescMethod, LimitPolicy>(limits.map((limit) => [limit.method, limit.policy]));
  return {
    limits: (method) => policies.has(method),
    enforce(method, values) {
      const policy = policies.get(method);
      if (policy === undefined) return Promise.resolve();
      const { ip } = values.get(clientKey);
      if (ip === "") return Promise.resolve();
      return limiter.enforce(["ip", ip], policy);
    },
  };
}
