import { describe, expect, it } from "vitest";
import { DeadlineSweep, maxTimerMs, type Expiring } from "./deadline-sweep.js";
import { FakeSweepClock } from "./fake-sweep-clock.js";

/** An entry that records the times it was expired at. */
function entry(): Expiring & { expired: number[] } {
  const expired: number[] = [];
  return { expired, expire: (now) => void expired.push(now) };
}

describe("DeadlineSweep", () => {
  it("expires each entry once its time has passed, within the resolution, earliest first", () => {
    const clock = new FakeSweepClock(1_000);
    const sweep = new DeadlineSweep(clock, 10);
    const order: string[] = [];
    sweep.add(1_250, { expire: () => void order.push("late") });
    sweep.add(1_100, { expire: () => void order.push("early") });
    clock.advance(99);
    expect(order).toEqual([]);
    clock.advance(1);
    expect(order).toEqual(["early"]);
    clock.advance(159);
    expect(order).toEqual(["early", "late"]);
    expect(sweep.size).toBe(0);
  });

  it("arms one timer for many calls and never expires a removed entry", () => {
    const clock = new FakeSweepClock(0);
    const sweep = new DeadlineSweep(clock, 10);
    const entries = Array.from({ length: 100 }, () => entry());
    const keys = entries.map((item) => sweep.add(500, item));
    keys.forEach((key, i) => i % 2 === 0 && sweep.remove(key, entries[i]!));
    expect(clock.delays).toEqual([500]);
    clock.advance(500);
    expect(entries.filter((item) => item.expired.length === 1).length).toBe(50);
    expect(entries.every((item, i) => item.expired.length === (i % 2 === 0 ? 0 : 1))).toBe(true);
    expect(sweep.size).toBe(0);
  });

  // A deadline beyond 2^31-1 ms handed to setTimeout fires at once (TimeoutOverflowWarning): a
  // client sending grpc-timeout: 99999999H would have had its call cancelled as it began.
  it("arms at most maxTimerMs ahead and re-arms until a far deadline is due", () => {
    const clock = new FakeSweepClock(0);
    const sweep = new DeadlineSweep(clock, 10);
    const far = entry();
    const at = 3 * maxTimerMs + 1_000;
    sweep.add(at, far);
    expect(clock.delays).toEqual([maxTimerMs]);
    clock.advance(3 * maxTimerMs);
    expect(far.expired).toEqual([]);
    expect(clock.delays.every((delay) => delay >= 0 && delay <= maxTimerMs)).toBe(true);
    clock.advance(1_010);
    expect(far.expired.length).toBe(1);
    expect(far.expired[0]).toBeGreaterThanOrEqual(at);
  });

  it("an earlier deadline added later re-arms the timer for it", () => {
    const clock = new FakeSweepClock(0);
    const sweep = new DeadlineSweep(clock, 10);
    const late = entry();
    const early = entry();
    sweep.add(10_000, late);
    sweep.add(200, early);
    clock.advance(200);
    expect(early.expired).toEqual([200]);
    expect(late.expired).toEqual([]);
    expect(clock.pending).toBe(1);
  });
});
