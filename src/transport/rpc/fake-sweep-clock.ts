import type { SweepClock } from "./deadline-sweep.js";

/** A SweepClock for unit tests: time moves only by `advance`, which fires the timers due. */
export class FakeSweepClock implements SweepClock {
  private time: number;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();
  private nextHandle = 1;
  /** Every delay a timer was armed with, in order. */
  readonly delays: number[] = [];

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimer(fire: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.delays.push(ms);
    this.timers.set(handle, { at: this.time + ms, fire });
    return handle;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves the time forward by `ms`, firing each timer when its time comes, earliest first. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fire: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fire();
    }
    this.time = end;
  }
}
