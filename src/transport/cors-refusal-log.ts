import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import type { Logger } from "../log.js";

/** How often one origin's refusals may be logged. */
export const refusalLogIntervalMs = 60_000;

/** How many origins the log remembers; refusals of origins beyond it share one bucket. */
export const refusalLogMaxOrigins = 1_000;

/** What a refusal line says besides the origin. */
export interface CorsRefusal {
  method: string | undefined;
  path: string;
  preflight: boolean;
  allowed: string;
}

/** Options of {@link createCorsRefusalLog}. */
export interface CorsRefusalLogOptions {
  logger: Logger;
  clock?: Clock;
  intervalMs?: number;
  maxOrigins?: number;
}

interface OriginEntry {
  loggedAt: number;
  suppressed: number;
}

/**
 * The warn line of a refused CORS origin, rate-limited per origin: the `Origin` header is the
 * caller's, and a hostile page (or any script that sets the header) must not make the server
 * write a line per request. The first refusal of an origin is logged; later ones at most once
 * per `intervalMs`, with `suppressed`, the count of its refusals not logged since its last line.
 * The origins are held in a bounded map: when it is full, entries whose interval is over are
 * dropped (their next refusal is logged anyway), and refusals of origins that still find no
 * room share one bucket (`origin: "(other origins)"`), itself logged at most once per interval,
 * so that at most `maxOrigins + 1` lines are written per interval whatever the origins sent.
 */
export function createCorsRefusalLog(options: CorsRefusalLogOptions): (origin: string, refusal: CorsRefusal) => void {
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? refusalLogIntervalMs;
  const maxOrigins = options.maxOrigins ?? refusalLogMaxOrigins;
  const origins = new Map<string, OriginEntry>();
  const overflow: OriginEntry = { loggedAt: -Infinity, suppressed: 0 };

  const entryOf = (origin: string, now: number): OriginEntry | undefined => {
    const known = origins.get(origin);
    if (known !== undefined) return known;
    // The map is in the order of the entries' last lines (an entry moves to the end when it is
    // logged): the expired ones are at its front.
    for (const [key, entry] of origins) {
      if (origins.size < maxOrigins || now - entry.loggedAt < intervalMs) break;
      origins.delete(key);
    }
    if (origins.size >= maxOrigins) return undefined;
    const created: OriginEntry = { loggedAt: -Infinity, suppressed: 0 };
    origins.set(origin, created);
    return created;
  };

  return (origin, refusal) => {
    const now = clock.now().getTime();
    const entry = entryOf(origin, now);
    const bucket = entry ?? overflow;
    if (now - bucket.loggedAt < intervalMs) {
      bucket.suppressed++;
      return;
    }
    const suppressed = bucket.suppressed;
    bucket.loggedAt = now;
    bucket.suppressed = 0;
    if (entry !== undefined) {
      origins.delete(origin);
      origins.set(origin, entry);
    }
    options.logger.warn("cors origin refused", {
      origin: entry === undefined ? "(other origins)" : origin,
      ...refusal,
      ...(suppressed > 0 ? { suppressed } : {}),
      ...(entry === undefined ? { note: `more than ${maxOrigins} origins refused within ${intervalMs / 1000} s` } : {}),
    });
  };
}
