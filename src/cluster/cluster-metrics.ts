import type { Worker } from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";

/** One registry's metrics as `Registry.getMetricsAsJSON` gives them: what crosses the IPC channel. */
type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

/**
 * The metrics exchange over the cluster's IPC channel. A worker whose management port is
 * scraped asks the primary (`wanted`); the primary asks every serving worker for its registry
 * (`collect`), aggregates the answers (`collected`) with prom-client's AggregatorRegistry and
 * sends the text back to the asking worker (`aggregated`).
 */
export type MetricsMessage =
  | { type: "tessera:metrics-wanted"; requestId: number }
  | { type: "tessera:metrics-collect"; requestId: number }
  | { type: "tessera:metrics-collected"; requestId: number; metrics?: MetricsJson; error?: string }
  | { type: "tessera:metrics-aggregated"; requestId: number; text?: string; error?: string };

const messageTypes: ReadonlySet<string> = new Set(["tessera:metrics-wanted", "tessera:metrics-collect", "tessera:metrics-collected", "tessera:metrics-aggregated"]);

/** Whether `value` is a MetricsMessage (the channel also carries Node's own and the supervisor's messages). */
export function isMetricsMessage(value: unknown): value is MetricsMessage {
  if (typeof value !== "object" || value === null) return false;
  const { type, requestId } = value as { type?: unknown; requestId?: unknown };
  return typeof type === "string" && messageTypes.has(type) && typeof requestId === "number";
}

/** How long the primary waits for every serving worker's registry; a scrape fails rather than report a partial sum. */
const collectTimeoutMs = 3_000;

/** How long a worker waits for the primary's aggregate (longer than the primary's own wait). */
const aggregateTimeoutMs = 5_000;

/** The primary's side of the exchange. */
export interface MetricsAggregation {
  /** Handles a message from `worker`; false when it is not part of the exchange. */
  receive(worker: Worker, message: unknown): boolean;
  /** A worker exited: it will answer no collect, and its counters are gone with it. */
  forget(worker: Worker): void;
}

interface Collection {
  waiting: Set<number>;
  answers: MetricsJson[];
  done(error: Error | undefined): void;
}

/**
 * Aggregates the registries of `serving()` (the workers that finished starting: one still
 * starting has counted nothing and may not listen yet) for each worker that asks. Counters and
 * histograms are summed, gauges by each metric's own aggregator (prom-client's defaults: the
 * process start time omitted, the version the first, event-loop lag averaged).
 */
export function createMetricsAggregation(serving: () => Worker[]): MetricsAggregation {
  const collections = new Map<number, Collection>();
  let nextId = 0;

  const collect = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const requestId = nextId++;
      const workers = serving().filter((worker) => worker.isConnected());
      const timer = setTimeout(() => collection.done(new Error(`no metrics from ${collection.waiting.size} worker(s) within ${collectTimeoutMs} ms`)), collectTimeoutMs);
      const collection: Collection = {
        waiting: new Set(workers.map((worker) => worker.id)),
        answers: [],
        done(error) {
          if (!collections.delete(requestId)) return;
          clearTimeout(timer);
          if (error !== undefined) return reject(error);
          AggregatorRegistry.aggregate(collection.answers).metrics().then(resolve, reject);
        },
      };
      collections.set(requestId, collection);
      for (const worker of workers) worker.send({ type: "tessera:metrics-collect", requestId } satisfies MetricsMessage);
      if (workers.length === 0) collection.done(undefined);
    });

  const answered = (worker: Worker, collection: Collection) => {
    collection.waiting.delete(worker.id);
    if (collection.waiting.size === 0) collection.done(undefined);
  };

  return {
    receive(worker, message) {
      if (!isMetricsMessage(message)) return false;
      if (message.type === "tessera:metrics-wanted") {
        const reply = (answer: { text?: string; error?: string }) => {
          if (worker.isConnected()) worker.send({ type: "tessera:metrics-aggregated", requestId: message.requestId, ...answer } satisfies MetricsMessage);
        };
        collect().then(
          (text) => reply({ text }),
          (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
        );
      } else if (message.type === "tessera:metrics-collected") {
        const collection = collections.get(message.requestId);
        if (collection === undefined || !collection.waiting.has(worker.id)) return true;
        if (message.error !== undefined || message.metrics === undefined) collection.done(new Error(`worker ${worker.process.pid}: ${message.error ?? "no metrics"}`));
        else {
          collection.answers.push(message.metrics);
          answered(worker, collection);
        }
      }
      return true;
    },
    forget(worker) {
      for (const collection of collections.values()) if (collection.waiting.has(worker.id)) answered(worker, collection);
    },
  };
}

/** What the management port of a worker serves at `GET /metrics`. */
export interface WorkerMetrics {
  readonly contentType: string;
  /** The whole cluster's metrics in Prometheus text, asked of the primary. */
  collect(): Promise<string>;
  /** Stops answering the primary. */
  stop(): void;
}

/**
 * The worker's side: answers the primary's collects with `registry`, and asks the primary for
 * the aggregate when this worker's management port is scraped (any worker may be the one the
 * shared port hands a scrape to).
 */
export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const send = (message: MetricsMessage) => void process.send?.(message);
  const waiting = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  let nextId = 0;
  const listener = (message: unknown) => {
    if (!isMetricsMessage(message)) return;
    if (message.type === "tessera:metrics-collect") {
      registry.getMetricsAsJSON().then(
        (metrics) => send({ type: "tessera:metrics-collected", requestId: message.requestId, metrics }),
        (error: unknown) => send({ type: "tessera:metrics-collected", requestId: message.requestId, error: error instanceof Error ? error.message : String(error) }),
      );
    } else if (message.type === "tessera:metrics-aggregated") {
      const request = waiting.get(message.requestId);
      if (request === undefined) return;
      waiting.delete(message.requestId);
      if (message.text !== undefined) request.resolve(message.text);
      else request.reject(new Error(message.error ?? "no metrics"));
    }
  };
  process.on("message", listener);
  return {
    contentType: registry.contentType,
    collect() {
      return new Promise((resolve, reject) => {
        const requestId = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(requestId);
          reject(new Error(`the primary sent no metrics within ${aggregateTimeoutMs} ms`));
        }, aggregateTimeoutMs);
        waiting.set(requestId, {
          resolve: (text) => (clearTimeout(timer), resolve(text)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
        send({ type: "tessera:metrics-wanted", requestId });
      });
    },
    stop() {
      process.off("message", listener);
    },
  };
}

