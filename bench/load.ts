/**
 * One request; resolves when the response arrived and checked out, rejects otherwise. It may
 * resolve to the latency to record (ms) when only a part of the call is to be measured, such
 * as the second request of a pair; otherwise the whole call is timed.
 */
export type Call = () => Promise<void | number>;

export interface LoadOptions {
  /** Requests kept in flight. */
  concurrency: number;
  /** Time to run before measuring (connections, JIT); its errors still count. */
  warmupMs: number;
  /** Measured time. */
  durationMs: number;
  /** Called when the measured window opens and closes (for CPU samples). */
  onWindow?: (edge: "begin" | "end") => void;
}

export interface LoadResult {
  /** Requests that completed without error inside the measured window. */
  requests: number;
  /** Failed requests, warm-up included. */
  errors: number;
  firstError: string | undefined;
  /** Length of the measured window in seconds. */
  seconds: number;
  /** Latency of each counted request, milliseconds, sorted ascending. */
  latenciesMs: Float64Array;
}

/**
 * Closed-loop load: `concurrency` workers each issue one request after another until the
 * deadline. A request counts when it completes inside the measured window, and its latency
 * (process.hrtime.bigint, start to end) is recorded. No request starts after the deadline;
 * those in flight then finish (each call bounds itself with a timeout) but do not count.
 */
export async function runLoad(call: Call, options: LoadOptions): Promise<LoadResult> {
  const start = process.hrtime.bigint();
  const windowStart = start + BigInt(Math.round(options.warmupMs * 1e6));
  const windowEnd = windowStart + BigInt(Math.round(options.durationMs * 1e6));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;

  // Each edge fires once: on its timer, or at the latest when the workers are done.
  const fired = new Set<"begin" | "end">();
  const edge = (name: "begin" | "end") => {
    if (fired.has(name)) return;
    fired.add(name);
    options.onWindow?.(name);
  };
  const timers = [setTimeout(() => edge("begin"), options.warmupMs), setTimeout(() => edge("end"), options.warmupMs + options.durationMs)];

  const worker = async () => {
    for (;;) {
      const t0 = process.hrtime.bigint();
      if (t0 >= windowEnd) return;
      let measured: void | number;
      try {
        measured = await call();
      } catch (error) {
        errors++;
        firstError ??= describe(error);
        // An error can come back without I/O; yield so timers and sockets still run.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      const t1 = process.hrtime.bigint();
      if (t1 >= windowStart && t1 < windowEnd) latencies.push(typeof measured === "number" ? measured : Number(t1 - t0) / 1e6);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    for (const timer of timers) clearTimeout(timer);
    edge("begin");
    edge("end");
  }
  const latenciesMs = Float64Array.from(latencies).sort();
  return { requests: latenciesMs.length, errors, firstError, seconds: options.durationMs / 1000, latenciesMs };
}

/** The nearest-rank percentile `p` (0–100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? NaN;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
