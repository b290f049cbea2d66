import { describe, expect, it } from "vitest";
import type { AuditEvent, AuditEventType } from "../../src/core/audit/audit-event.js";
import type { AuditFilter, AuditReader } from "../../src/core/audit/audit.port.js";
import { createAuditWatch } from "../../src/admin/audit-watch.js";

// The watch's gaps in the sequence, by time: a unit test over an in-memory trail and a clock the
// test moves. Every read is driven by wake(); the poll is an hour, so nothing here waits on time.

const hour = 3_600_000;

/** An in-memory trail: sequences are taken (the insert) and committed apart, as in PostgreSQL. */
function trail() {
  const rows = new Map<bigint, AuditEvent>();
  const committed = new Set<bigint>();
  let next = 0n;
  const calls = { among: [] as number[], read: 0 };
  const event = (sequence: bigint, type: AuditEventType): AuditEvent => ({
    id: `id-${sequence}`, sequence, occurredAt: new Date(0), tenantId: "t", type, outcome: "success", product: "hanko", userId: null, reason: "", clientIp: null, userAgent: null, actor: null, details: {},
  });
  const matches = (filter: AuditFilter, row: AuditEvent) => filter.types === undefined || filter.types.includes(row.type);
  const reader: AuditReader = {
    list: () => Promise.reject(new Error("not used")),
    since: () => Promise.reject(new Error("not used")),
    latest: () => Promise.reject(new Error("not used")),
    sequenceOf: () => Promise.reject(new Error("not used")),
    async committed(after, limit, among) {
      calls.among.push(among.length);
      const sorted = [...committed].sort((a, b) => (a < b ? -1 : 1));
      const newer = sorted.filter((sequence) => sequence > after).slice(0, limit);
      return [...new Set([...among.filter((sequence) => committed.has(sequence)), ...newer])].sort((a, b) => (a < b ? -1 : 1));
    },
    async at(filter, sequences) {
      const found = sequences.filter((sequence) => committed.has(sequence)).map((sequence) => rows.get(sequence)!).filter((row) => matches(filter, row));
      calls.read += found.length;
      return found.sort((a, b) => (a.sequence < b.sequence ? -1 : 1));
    },
  };
  return {
    reader,
    calls,
    /** Takes the next sequence for an event of `type`, not committed yet. */
    take(type: AuditEventType = "user.signed_up"): bigint {
      next++;
      rows.set(next, event(next, type));
      return next;
    },
    commit(...sequences: bigint[]) {
      for (const sequence of sequences) committed.add(sequence);
    },
    /** Takes and commits `count` events of `type`. */
    write(count: number, type: AuditEventType = "user.signed_up"): bigint[] {
      const taken = Array.from({ length: count }, () => this.take(type));
      this.commit(...taken);
      return taken;
    },
  };
}

function fakeClock() {
  let now = 1_000_000;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

/** The next `count` sequences the stream yields, waking it once first. */
async function take(events: AsyncIterator<AuditEvent>, wake: () => void, count: number): Promise<bigint[]> {
  wake();
  const got: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const next = await events.next();
    if (next.done) break;
    got.push(next.value.sequence);
  }
  return got;
}

describe("WatchAuditEvents' gaps in the sequence", () => {
  it("streams a late commit after far more than a page of newer events, re-reading nothing", async () => {
    const log = trail();
    const clock = fakeClock();
    const watch = createAuditWatch(log.reader, { pollMs: hour, pageSize: 100, commitLagMs: 60_000, clock });
    const abort = new AbortController();
    const events = watch.watch({}, 0n, abort.signal)[Symbol.asyncIterator]();
    log.write(1);
    const slow = log.take();
    const newer = log.write(1_500);
    const first = await take(events, watch.wake, 1 + newer.length);
    expect(first).toEqual([1n, ...newer]);
    expect(first).not.toContain(slow);
    clock.advance(30_000);
    log.commit(slow);
    expect(await take(events, watch.wake, 1)).toEqual([slow]);
    const after = log.write(1);
    expect(await take(events, watch.wake, 1)).toEqual(after);
    abort.abort();
    expect(log.calls.read, "each event read once").toBe(1 + newer.length + 1 + 1);
    expect(Math.max(...log.calls.among), "only the one gap is re-checked").toBe(1);
    expect(log.calls.among.at(-1), "the filled gap is no longer checked").toBe(0);
  });

  it("gives a gap up once commitLagMs has passed since it was seen (a rolled-back act)", async () => {
    const log = trail();
    const clock = fakeClock();
    const watch = createAuditWatch(log.reader, { pollMs: hour, commitLagMs: 60_000, clock });
    const abort = new AbortController();
    const events = watch.watch({}, 0n, abort.signal)[Symbol.asyncIterator]();
    const lost = log.take();
    const [seen] = log.write(1);
    expect(await take(events, watch.wake, 1)).toEqual([seen]);
    clock.advance(59_999);
    const [within] = log.write(1);
    expect(await take(events, watch.wake, 1)).toEqual([within]);
    expect(log.calls.among.at(-1), "still waited for").toBe(1);
    clock.advance(1);
    const [later] = log.write(1);
    expect(await take(events, watch.wake, 1)).toEqual([later]);
    expect(log.calls.among.at(-1), "given up").toBe(0);
    log.commit(lost);
    const [last] = log.write(1);
    expect(await take(events, watch.wake, 1)).toEqual([last]);
    abort.abort();
  });

  it("with a filter: a gap filled by an event the filter leaves out is resolved, not re-checked", async () => {
    const log = trail();
    const watch = createAuditWatch(log.reader, { pollMs: hour, clock: fakeClock() });
    const abort = new AbortController();
    const events = watch.watch({ types: ["user.signed_up"] }, 0n, abort.signal)[Symbol.asyncIterator]();
    const other = log.take("login.failed");
    const [wanted] = log.write(1);
    log.write(3, "login.failed");
    expect(await take(events, watch.wake, 1)).toEqual([wanted]);
    log.commit(other);
    const [next] = log.write(1);
    expect(await take(events, watch.wake, 1)).toEqual([next]);
    const [again] = log.write(1);
    expect(await take(events, watch.wake, 1)).toEqual([again]);
    abort.abort();
    expect(log.calls.among.at(-1)).toBe(0);
  });

  it("keeps at most maxGaps gaps, the newest", async () => {
    const log = trail();
    const watch = createAuditWatch(log.reader, { pollMs: hour, maxGaps: 10, clock: fakeClock() });
    const abort = new AbortController();
    const events = watch.watch({}, 0n, abort.signal)[Symbol.asyncIterator]();
    const pending = Array.from({ length: 50 }, () => log.take());
    const [seen] = log.write(1);
    expect(await take(events, watch.wake, 1)).toEqual([seen]);
    log.commit(...pending);
    const [next] = log.write(1);
    expect(await take(events, watch.wake, 11)).toEqual([...pending.slice(-10), next]);
    expect(Math.max(...log.calls.among)).toBe(10);
    abort.abort();
  });
});
