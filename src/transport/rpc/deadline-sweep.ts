/** The longest delay a Node timer keeps: a longer one fires at once, with a TimeoutOverflowWarning. */
export const maxTimerMs = 2 ** 31 - 1;

/** The time and the one timer a DeadlineSweep runs on: the system's, or a test's fake. */
export interface SweepClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fire` once after `ms` milliseconds (never more than maxTimerMs). */
  setTimer(fire: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** Date.now and Node's timers; the timer does not keep the process alive on its own. */
export const systemSweepClock: SweepClock = {
  now: Date.now,
  setTimer: (fire, ms) => setTimeout(fire, ms).unref(),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What a sweep expires: told the time it was found due. */
export interface Expiring {
  expire(now: number): void;
}

/**
 * The deadlines of every call in flight on one timer: a timer per call cost a Timeout object,
 * a list insertion and a removal on every call, though nearly every call ends first. Deadlines
 * are kept in buckets of `resolutionMs` (an entry expires at most that much late); one timer is
 * armed for the earliest bucket, and re-armed when a deadline beyond maxTimerMs comes closer.
 */
export class DeadlineSweep {
  private readonly buckets = new Map<number, Set<Expiring>>();
  /** The due times of the buckets, ascending. */
  private readonly dues: number[] = [];
  private timer: unknown;
  private timerDue = Infinity;

  constructor(
    readonly clock: SweepClock = systemSweepClock,
    private readonly resolutionMs = 10,
  ) {}

  /** Expires `entry` at `at` (or up to resolutionMs later); returns the key `remove` takes. */
  add(at: number, entry: Expiring): number {
    const due = Math.ceil(at / this.resolutionMs) * this.resolutionMs;
    let bucket = this.buckets.get(due);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(due, bucket);
      this.dues.splice(this.position(due), 0, due);
      if (due < this.timerDue) this.arm(due);
    }
    bucket.add(entry);
    return due;
  }

  /** Forgets `entry`, added under `key`. A timer armed for its bucket finds nothing and re-arms. */
  remove(key: number, entry: Expiring): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined || !bucket.delete(entry) || bucket.size > 0) return;
    this.buckets.delete(key);
    this.dues.splice(this.position(key), 1);
  }

  /** How many entries wait (for tests). */
  get size(): number {
    let size = 0;
    for (const bucket of this.buckets.values()) size += bucket.size;
    return size;
  }

  private arm(due: number): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timerDue = due;
    const delay = Math.min(Math.max(0, due - this.clock.now()), maxTimerMs);
    this.timer = this.clock.setTimer(() => this.sweep(), delay);
  }

  private sweep(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.clock.now();
    while (this.dues.length > 0 && this.dues[0]! <= now) {
      const due = this.dues.shift()!;
      const bucket = this.buckets.get(due);
      this.buckets.delete(due);
      if (bucket !== undefined) for (const entry of bucket) entry.expire(now);
    }
    const next = this.dues[0];
    if (next !== undefined && next < this.timerDue) this.arm(next);
  }

  /** The index of the first due time at or after `due`. */
  private position(due: number): number {
    let low = 0;
    let high = this.dues.length;
    // New deadlines are mostly the latest: look at the end first.
    if (high > 0 && this.dues[high - 1]! < due) return high;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.dues[middle]! < due) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
