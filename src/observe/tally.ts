import type { Registry } from "prom-client";

/**
 * A counter and a histogram for the per-request hot path. prom-client hashes and validates the
 * label object on every `inc`/`observe` (its `labels()` children too), ~1 µs each; these count
 * into a series the caller looks up once by a key built from its labels (and may keep: the
 * request metrics keep one per route), and hand prom-client the totals at scrape time only.
 * Labels must come from a bounded set.
 */
export interface TalliedCounter {
  /** The series of `key`, created with `labels()` the first time. */
  series(key: string, labels: () => Record<string, string>): CounterSeries;
}

/** One label set of a tallied counter. */
export interface CounterSeries {
  inc(): void;
}

/** A histogram counted the same way. */
export interface TalliedHistogram {
  series(key: string, labels: () => Record<string, string>): HistogramSeries;
}

/** One label set of a tallied histogram; `observe` takes seconds. */
export interface HistogramSeries {
  observe(value: number): void;
}

interface MetricValue {
  labels: Record<string, string>;
  value: number;
  metricName?: string;
}

function register(registry: Registry, name: string, help: string, type: "counter" | "histogram", values: () => MetricValue[]): void {
  const get = async () => ({ name, help, type, aggregator: "sum" as const, values: values() });
  registry.registerMetric({ name, help, type, get } as unknown as Parameters<Registry["registerMetric"]>[0]);
}

class Count implements CounterSeries {
  value = 0;
  constructor(readonly labels: Record<string, string>) {}
  inc(): void {
    this.value++;
  }
}

/** Registers a counter named `name` in `registry`. */
export function talliedCounter(registry: Registry, name: string, help: string): TalliedCounter {
  const entries = new Map<string, Count>();
  register(registry, name, help, "counter", () => [...entries.values()].map((entry) => ({ labels: entry.labels, value: entry.value })));
  return {
    series(key, labels) {
      let entry = entries.get(key);
      if (entry === undefined) {
        entry = new Count(labels());
        entries.set(key, entry);
      }
      return entry;
    },
  };
}

class Distribution implements HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Record<string, string>,
    private readonly buckets: readonly number[],
  ) {
    this.counts = new Float64Array(buckets.length);
  }
  observe(value: number): void {
    const { buckets } = this;
    for (let index = 0; index < buckets.length; index++) {
      if (value <= buckets[index]!) {
        this.counts[index]!++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}

/** Registers a histogram named `name` with upper bounds `buckets` (ascending, seconds). */
export function talliedHistogram(registry: Registry, name: string, help: string, buckets: readonly number[]): TalliedHistogram {
  const entries = new Map<string, Distribution>();
  register(registry, name, help, "histogram", () =>
    [...entries.values()].flatMap((entry) => {
      let cumulative = 0;
      const values: MetricValue[] = buckets.map((bound, index) => {
        cumulative += entry.counts[index]!;
        return { metricName: `${name}_bucket`, labels: { ...entry.labels, le: String(bound) }, value: cumulative };
      });
      values.push({ metricName: `${name}_bucket`, labels: { ...entry.labels, le: "+Inf" }, value: entry.count });
      values.push({ metricName: `${name}_sum`, labels: entry.labels, value: entry.sum });
      values.push({ metricName: `${name}_count`, labels: entry.labels, value: entry.count });
      return values;
    }),
  );
  return {
    series(key, labels) {
      let entry = entries.get(key);
      if (entry === undefined) {
        entry = new Distribution(labels(), buckets);
        entries.set(key, entry);
      }
      return entry;
    },
  };
}
