import type { Registry } from "prom-client";

/**
 * A counter and a histogram for the per-request hot path. prom-client hashes and validates the
 * label object on every `inc`/`observe` (its `labels()` children too), ~1 µs each; these count
 * into an entry found by a key the caller builds from labels it already holds, and hand
 * prom-client the totals at scrape time only. Labels must come from a bounded set.
 */
export interface TalliedCounter {
  inc(key: string, labels: () => Record<string, string>): void;
}

/** A histogram counted the same way; `observe` takes seconds. */
export interface TalliedHistogram {
  observe(key: string, labels: () => Record<string, string>, value: number): void;
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

/** Registers a counter named `name` in `registry`. */
export function talliedCounter(registry: Registry, name: string, help: string): TalliedCounter {
  const entries = new Map<string, MetricValue>();
  register(registry, name, help, "counter", () => [...entries.values()].map((entry) => ({ labels: entry.labels, value: entry.value })));
  return {
    inc(key, labels) {
      let entry = entries.get(key);
      if (entry === undefined) {
        entry = { labels: labels(), value: 0 };
        entries.set(key, entry);
      }
      entry.value++;
    },
  };
}

/** Registers a histogram named `name` with upper bounds `buckets` (ascending, seconds). */
export function talliedHistogram(registry: Registry, name: string, help: string, buckets: readonly number[]): TalliedHistogram {
  const entries = new Map<string, { labels: Record<string, string>; counts: Float64Array; sum: number; count: number }>();
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
    observe(key, labels, value) {
      let entry = entries.get(key);
      if (entry === undefined) {
        entry = { labels: labels(), counts: new Float64Array(buckets.length), sum: 0, count: 0 };
        entries.set(key, entry);
      }
      const index = buckets.findIndex((bound) => value <= bound);
      if (index >= 0) entry.counts[index]!++;
      entry.sum += value;
      entry.count++;
    },
  };
}
