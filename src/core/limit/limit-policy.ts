import type { Reason } from "../errors/reasons.js";
/**
 * A limit, as data: at most `max` hits per `windowSeconds` for one key, refused past it with
 * `reason` (kind rate_limited) and `message`. `name` keeps counters of different limits apart.
 */
export interface LimitPolicy {
  name: string;
  max: number;
  windowSeconds: number;
  reason: Reason;
  message: string;
}

/**
 * Whose hits a limit counts, in parts (e.g. `["user", id]`, `["contact", "email", address]`);
 * the store only ever sees a keyed hash of them.
 */
export type LimitKey = readonly string[];
