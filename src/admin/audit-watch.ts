import type { AuditEvent } from "../core/audit/audit-event.js";
import type { AuditFilter, AuditReader } from "../core/audit/audit.port.js";
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
   * How many sequence numbers before the last one streamed each read goes back over: a sequence
   * is taken at insert, so an event of a slow transaction commits after later-numbered ones were
   * streamed. Ids already streamed in this window are skipped.
   */
  commitLagSequences: number;
}

const defaults: AuditWatchSettings = { pollMs: 1_000, maxStreams: 64, pageSize: 100, commitLagSequences: 1_000 };

/**
 * Creates the watch over `reader`. Each stream reads past its last sequence when woken (LISTEN on
 * PostgreSQL, so events of another replica arrive at once) and at least every `pollMs`; it ends
 * when the client cancels.
 */
export function createAuditWatch(reader: AuditReader, settings: Partial<AuditWatchSettings> = {}): AuditWatch {
  const { pollMs, maxStreams, pageSize, commitLagSequences } = { ...defaults, ...settings };
  const lag = BigInt(commitLagSequences);
  const sleepers = new Set<() => void>();
  let open = 0;
  const wake = () => {
    for (const resolve of [...sleepers]) resolve();
  };
  const nap = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      sleepers.add(done);
      signal.addEventListener("abort", done);
    });
  return {
    wake,
    watch(filter, after, signal) {
      if (open >= maxStreams) throw new DomainError("WATCH_LIMIT", "rate_limited", `at most ${maxStreams} audit watches may be open at once`);
      open++;
      return (async function* () {
        try {
          let last = after;
          // What was streamed within the window, by id, with its sequence (pruned as the window moves).
          const sent = new Map<string, bigint>();
          while (!signal.aborted) {
            const floor = last - lag > after ? last - lag : after;
            for (const [id, sequence] of sent) if (sequence <= floor) sent.delete(id);
            let cursor = floor;
            let full = true;
            while (full && !signal.aborted) {
              const events = await reader.since(filter, cursor, pageSize);
              full = events.length === pageSize;
              for (const event of events) {
                cursor = event.sequence;
                if (sent.has(event.id)) continue;
                sent.set(event.id, event.sequence);
                if (event.sequence > last) last = event.sequence;
                yield event;
              }
            }
            await nap(signal);
          }
        } finally {
          open--;
        }
      })();
    },
  };
}
