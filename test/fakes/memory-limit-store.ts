import type { LimitHit, LimitStore } from "../../src/core/limit/limit.port.js";

/** The limit store as src/store/limit/ keeps it, in memory: fixed windows of hits per tenant and hashed key. */
export function memoryLimitStore(): LimitStore {
  const windows = new Map<string, LimitHit>();
  const nameOf = (tenantId: string, key: Uint8Array) => `${tenantId}:${Buffer.from(key).toString("hex")}`;
  const live = (current: LimitHit | undefined, at: Date, windowSeconds: number) =>
    current !== undefined && at.getTime() - current.windowStartedAt.getTime() < windowSeconds * 1000 ? current : undefined;
  return {
    hit(tenantId, key, at, windowSeconds) {
      const current = live(windows.get(nameOf(tenantId, key)), at, windowSeconds);
      const next = current === undefined ? { hits: 1, windowStartedAt: at, tripped: false } : { hits: current.hits + 1, windowStartedAt: current.windowStartedAt, tripped: current.tripped };
      windows.set(nameOf(tenantId, key), next);
      return Promise.resolve({ ...next });
    },
    async trip(tenantId, key, windowStartedAt, _at, then) {
      const current = windows.get(nameOf(tenantId, key));
      if (current === undefined || current.tripped || current.windowStartedAt.getTime() !== windowStartedAt.getTime()) return false;
      current.tripped = true;
      try {
        await then(undefined);
      } catch (error) {
        current.tripped = false;
        throw error;
      }
      return true;
    },
    refund(tenantId, key) {
      const current = windows.get(nameOf(tenantId, key));
      if (current !== undefined) current.hits = Math.max(current.hits - 1, 0);
      return Promise.resolve();
    },
    current(tenantId, key, at, windowSeconds) {
      const current = live(windows.get(nameOf(tenantId, key)), at, windowSeconds);
      return Promise.resolve(current === undefined ? undefined : { hits: current.hits, windowStartedAt: current.windowStartedAt });
    },
  };
}
