import { describe, expect, it } from "vitest";
import type { Clock } from "../core/clock.js";
import { createRestartBudget } from "./restart-budget.js";

function movableClock(): Clock & { advance(ms: number): void } {
  let at = Date.parse("2026-12-02T12:00:00Z");
  return { now: () => new Date(at), advance: (ms) => void (at += ms) };
}

describe("the restart budget", () => {
  it("waits twice as long for each replacement within a minute, up to the longest wait", () => {
    const budget = createRestartBudget({ perMinute: 10, firstDelayMs: 250, maxDelayMs: 1_000 }, movableClock());
    expect([budget.next(), budget.next(), budget.next(), budget.next()]).toEqual([250, 500, 1_000, 1_000]);
  });

  it("refuses a replacement once the minute's budget is spent", () => {
    const budget = createRestartBudget({ perMinute: 3, firstDelayMs: 100, maxDelayMs: 10_000 }, movableClock());
    expect([budget.next(), budget.next(), budget.next()]).toEqual([100, 200, 400]);
    expect(budget.next()).toBeUndefined();
  });

  it("forgets deaths older than a minute: a worker that dies now and then is always replaced soon", () => {
    const clock = movableClock();
    const budget = createRestartBudget({ perMinute: 2, firstDelayMs: 100, maxDelayMs: 10_000 }, clock);
    expect(budget.next()).toBe(100);
    clock.advance(30_000);
    expect(budget.next()).toBe(200);
    clock.advance(30_000);
    // The first death is a minute old now: one restart counts, so this one is the second.
    expect(budget.next()).toBe(200);
    expect(budget.next()).toBeUndefined();
    clock.advance(60_000);
    expect(budget.next()).toBe(100);
  });
});
