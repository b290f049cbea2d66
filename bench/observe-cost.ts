// The "request log + metrics" section of bench/run.ts: GET /.well-known/jwks.json over REST on two
// Tessera children alike but for the request log and metrics (on as shipped, off), measured in
// alternating rounds (off, on, on, off, off, on, …: each side goes first as often as the other, so
// that a drift of the machine's load weighs on both), the median of each side's rounds compared.
// The load comes from wrk in its own process when installed (one thread: a C client that leaves
// the other core to the server), else from this process's HTTP/1.1 client (bench/http1.ts), which
// shares the cores with the server. The server's CPU per request is read from the server process's
// own process.cpuUsage() before and after each round: the steadier figure on a busy machine.
import { execFile } from "node:child_process";
import { http1Pool } from "./http1.js";
import { runLoad } from "./load.js";
import { parseWrk } from "./workers.js";

/** What issue 15 allows the request log and metrics: at most 10 % of REST throughput. */
export const observeBound = 0.9;

/** A server child as bench/run.ts has it: its port and its own CPU time. */
export interface ObservedServer {
  readonly port: number;
  cpuMicros(): Promise<number>;
}

export interface ObserveCostOptions {
  off: ObservedServer;
  on: ObservedServer;
  path: string;
  /** Each server's own answer (they have keys of their own), checked once before the rounds and by the fallback client on every request. */
  offBody: Buffer;
  onBody: Buffer;
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
  concurrency: number;
  requestTimeoutMs: number;
}

/** One round on one server. */
export interface Round {
  side: "off" | "on";
  requests: number;
  rate: number;
  errors: number;
  firstError: string | undefined;
  /** Server CPU time per request, µs (NaN when the server did not report). */
  micros: number;
}

export interface ObserveCost {
  load: string;
  rounds: Round[];
  /** Medians over each side's rounds. */
  offRate: number;
  onRate: number;
  offMicros: number;
  onMicros: number;
}

/** Whether wrk runs here. */
export function wrkInstalled(): Promise<boolean> {
  // wrk --version exits 1 after printing its usage.
  return new Promise((resolve) => execFile("wrk", ["--version"], { timeout: 5_000 }, (error) => resolve(error === null || (error as { code?: unknown }).code === 1)));
}

/** Runs the warm-ups and the alternating rounds; `progress` is told of each round. */
export async function measureObserveCost(options: ObserveCostOptions, progress: (line: string) => void): Promise<ObserveCost> {
  const wrk = await wrkInstalled();
  const sides = { off: { server: options.off, body: options.offBody }, on: { server: options.on, body: options.onBody } };
  const load = async (side: "off" | "on", seconds: number): Promise<Omit<Round, "side" | "micros"> & { cpu: number }> => {
    const { server, body } = sides[side];
    if (wrk) {
      const before = await server.cpuMicros();
      const output = await runWrk(server.port, options.path, seconds, options);
      const after = await server.cpuMicros();
      const { requests, rate, errors, firstError } = parseWrk(output, seconds);
      return { requests, rate, errors, firstError, cpu: after - before };
    }
    const client = http1Pool(server.port, options.path, body, options.requestTimeoutMs);
    let before: Promise<number> = Promise.resolve(NaN);
    let after: Promise<number> = Promise.resolve(NaN);
    try {
      const result = await runLoad(client.call, {
        concurrency: options.concurrency,
        warmupMs: 0,
        durationMs: seconds * 1000,
        onWindow: (edge) => void (edge === "begin" ? (before = server.cpuMicros()) : (after = server.cpuMicros())),
      });
      return { requests: result.requests, rate: result.requests / result.seconds, errors: result.errors, firstError: result.firstError, cpu: (await after) - (await before) };
    } finally {
      client.close();
    }
  };
  for (const side of ["off", "on"] as const) {
    if (options.warmupSeconds > 0) await load(side, options.warmupSeconds);
  }
  const rounds: Round[] = [];
  // off on | on off | off on | …: each side first in half the pairs.
  const order = Array.from({ length: options.rounds }, (_, pair) => (pair % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const))).flat();
  for (const side of order) {
    const { cpu, ...counts } = await load(side, options.roundSeconds);
    const round: Round = { side, ...counts, micros: counts.requests > 0 ? cpu / counts.requests : NaN };
    rounds.push(round);
    progress(`${side}: ${round.rate.toFixed(0)} req/s, ${round.micros.toFixed(1)} µs/request`);
  }
  const of = (side: "off" | "on") => rounds.filter((round) => round.side === side);
  return {
    load: wrk ? `wrk -t1 -c${options.concurrency} in its own process` : `this process's HTTP/1.1 client, ${options.concurrency} connections (wrk not installed: it shares the cores with the server)`,
    rounds,
    offRate: median(of("off").map((round) => round.rate)),
    onRate: median(of("on").map((round) => round.rate)),
    offMicros: median(of("off").map((round) => round.micros)),
    onMicros: median(of("on").map((round) => round.micros)),
  };
}

/** Prints the rounds, the medians and the two verdicts; returns the lines. */
export function observeCostLines(cost: ObserveCost, options: Pick<ObserveCostOptions, "rounds" | "roundSeconds" | "path">): string[] {
  const ratio = cost.onRate / cost.offRate;
  const micros = cost.onMicros / cost.offMicros;
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
  const list = (side: "off" | "on", pick: (round: Round) => number, digits: number) =>
    cost.rounds
      .filter((round) => round.side === side)
      .map((round) => pick(round).toFixed(digits))
      .join(" ");
  return [
    `GET ${options.path}: the request log (info) and metrics on vs off, ${options.rounds} alternating rounds of ${options.roundSeconds} s per side (off on, on off, …); load: ${cost.load}`,
    `  off: req/s ${list("off", (round) => round.rate, 0)}; µs/request ${list("off", (round) => round.micros, 1)}`,
    `  on:  req/s ${list("on", (round) => round.rate, 0)}; µs/request ${list("on", (round) => round.micros, 1)}`,
    `  medians: ${cost.onRate.toFixed(0)} vs ${cost.offRate.toFixed(0)} req/s; server CPU ${cost.onMicros.toFixed(1)} vs ${cost.offMicros.toFixed(1)} µs/request (on vs off)`,
    `target request log + metrics: req/s on ≥ ${observeBound.toFixed(2)} × off (medians): ${ratio.toFixed(2)}x ${verdict(ratio >= observeBound)}`,
    `target request log + metrics: server µs/request on ≤ ${(1 / observeBound).toFixed(2)} × off (medians): ${micros.toFixed(2)}x ${verdict(micros <= 1 / observeBound)}`,
  ];
}

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function runWrk(port: number, path: string, seconds: number, options: Pick<ObserveCostOptions, "concurrency" | "requestTimeoutMs">): Promise<string> {
  const args = ["-t1", `-c${options.concurrency}`, `-d${Math.max(1, Math.round(seconds))}s`, "--timeout", `${Math.ceil(options.requestTimeoutMs / 1000)}s`, `http://127.0.0.1:${port}${path}`];
  return new Promise((resolve, reject) =>
    execFile("wrk", args, { timeout: (seconds + 30) * 1000 }, (error, stdout) => (error === null ? resolve(stdout) : reject(new Error(`wrk failed: ${error.message}`)))),
  );
}
