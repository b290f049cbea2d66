import { systemClock, type Clock } from "../core/clock.js";

/** How often a dead worker is replaced, and how soon. */
export interface RestartPolicy {
  /** Replacements allowed in any 60 s; one more means the workers die of something a restart does not fix. */
  perMinute: number;
  /** Wait before the first replacement in a minute; each further one waits twice as long as the last. */
  firstDelayMs: number;
  /** The longest wait before a replacement. */
  maxDelayMs: number;
}

/** The shipped policy: 10 replacements a minute, after 250 ms, 500 ms, … at most 10 s. */
export const defaultRestartPolicy: RestartPolicy = { perMinute: 10, firstDelayMs: 250, maxDelayMs: 10_000 };

/** Decides whether and when a dead worker is replaced. */
export interface RestartBudget {
  /** Records a death: the wait before its replacement, or undefined when the minute's budget is spent. */
  next(): number | undefined;
}

/** Creates a budget over a sliding minute on `clock`. */
export function createRestartBudget(policy: RestartPolicy = defaultRestartPolicy, clock: Clock = systemClock): RestartBudget {
  const restarts: number[] = [];
  return {
    next() {
      const now = clock.now().getTime();
      while (restarts.length > 0 && now - (restarts[0] ?? now) >= 60_000) restarts.shift();
      if (restarts.length >= policy.perMinute) return undefined;
      restarts.push(now);
      return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (restarts.length - 1));
    },
  };
}
