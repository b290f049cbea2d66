import type { AuditEvent } from "../core/audit/audit-event.js";
import type { AuditFilter, AuditReader } from "../core/audit/audit.port.js";
import { systemClock, type Clock } from "../core/clock.js";
import { DomainError } from "../core/errors/domain-error.js";

/** Live reads of the audit trail, shared by every WatchAuditEvents stream of this process. */
export interface AuditWatch {
  /** Wakes every stream to read what was written (a NOTIFY from any replica). */
  wake(): void;
  /**
   * The events matching `filter` after the `after` sequence, oldest first, as they are written,
   * until `signal` aborts. WATCH_LIMIT (rate_limited) when `maxStreams` are open already.
   */
  watch(filter: AuditFilter, after: bigint, signal: AbortSignal): AsyncIterable<AuditEvent>;
}

/** How a watch reads. */
export interface AuditWatchSettings {
  /** Reads this often with no wake-up: the fallback when notifications are lost or absent (PGlite). */
  pollMs: number;
  /** Streams open at once, at most. */
  maxStreams: number;
  /** Events read per query: a backlog is read in pages. */
  pageSize: number;
  /**
   * How long a gap in the sequence is waited for. A sequence is taken at insert, so the event of a
   * slow transaction commits after later-numbered ones were streamed: each stream keeps the
   * numbers it passed over and re-checks them, and them only, until they commit or this long has
   * passed since it first saw the gap (a rolled-back act leaves one for good).
   */
  commitLagMs: number;
  /** Gaps a stream keeps at most; past it the oldest are given up first. */
  maxGaps: number;
  /** What the gaps' age is read from. */
  clock: Clock;
}

const defaults: AuditWatchSettings = { pollMs: 1_000, maxStreams: 64, pageSize: 100, commitLagMs: 60_000, maxGaps: 1_000, clock: systemClock };

/**
 * Creates the watch over `reader`. Each stream reads past its last sequence when woken (LISTEN on
 * PostgreSQL, so events of another replica arrive at once) and at least every `pollMs`; it ends
 * when the client cancels. A wake-up while a stream reads makes it read again at once.
 */
export function createAuditWatch(reader: AuditReader, settings: Partial<AuditWatchSettings> = {}): AuditWatch {
  const options = { ...defaults, ...settings };
  const { maxStreams } = options;
  const streams = new Set<Sleeper>();
  let open = 0;
  return {
    wake() {
      for (const stream of [...streams]) stream.wake();
    },
    watch(filter, after, signal) {
      if (open >= maxStreams) throw new DomainError("WATCH_LIMIT", "rate_limited", `at most ${maxStreams} audit watches may be open at once`);
      open++;
      const sleeper = createSleeper(options.pollMs, signal);
      streams.add(sleeper);
      return (async function* () {
        try {
          yield* follow(reader, filter, after, signal, sleeper, options);
        } finally {
          streams.delete(sleeper);
          sleeper.close();
          open--;
        }
      })();
    },
  };
}

/**
 * One stream: `frontier` is the highest sequence it has seen committed; every number below it
 * that was not committed when passed over is a gap, kept with the time it was seen. Each read asks
 * which sequences after the frontier and which gaps are committed now (whatever their event), then
 * reads the events matching the filter among those alone: a late commit is streamed however many
 * events were written after it, within `commitLagMs`, and nothing is read twice.
 */
async function* follow(reader: AuditReader, filter: AuditFilter, after: bigint, signal: AbortSignal, sleeper: Sleeper, options: AuditWatchSettings): AsyncGenerator<AuditEvent> {
  const { pageSize, commitLagMs, maxGaps, clock } = options;
  let frontier = after;
  const gaps = new Map<bigint, number>();
  while (!signal.aborted) {
    const now = clock.now().getTime();
    for (const [sequence, seen] of gaps) if (now - seen >= commitLagMs) gaps.delete(sequence);
    let among = [...gaps.keys()];
    let full = true;
    while (full && !signal.aborted) {
      const committed = await reader.committed(frontier, pageSize, among);
      among = [];
      const fresh: bigint[] = [];
      let passed = 0;
      for (const sequence of committed) {
        if (gaps.delete(sequence)) fresh.push(sequence);
        else if (sequence > frontier) {
          passed++;
          // The numbers skipped up to this one (the newest maxGaps of a wide jump).
          const from = sequence - frontier - 1n > BigInt(maxGaps) ? sequence - BigInt(maxGaps) : frontier + 1n;
          for (let gap = from; gap < sequence; gap++) gaps.set(gap, now);
          frontier = sequence;
          fresh.push(sequence);
        }
      }
      // Map order is insertion order: the oldest gaps are given up first.
      for (const sequence of gaps.keys()) {
        if (gaps.size <= maxGaps) break;
        gaps.delete(sequence);
      }
      full = passed === pageSize;
      if (fresh.length > 0) yield* await reader.at(filter, fresh);
    }
    await sleeper.sleep();
  }
}

/** Where a stream waits for a wake-up or the poll. */
interface Sleeper {
  sleep(): Promise<void>;
  wake(): void;
  close(): void;
}

function createSleeper(pollMs: number, signal: AbortSignal): Sleeper {
  let woken = false;
  let resolveSleep: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const done = () => {
    clearTimeout(timer);
    const resolve = resolveSleep;
    resolveSleep = undefined;
    resolve?.();
  };
  signal.addEventListener("abort", done);
  return {
    sleep() {
      if (woken || signal.aborted) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        resolveSleep = resolve;
        timer = setTimeout(done, pollMs);
      });
    },
    wake() {
      if (resolveSleep === undefined) woken = true;
      else done();
    },
    close() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
    },
  };
}
