// The GET /me section of bench/run.ts with TESSERA_WORKERS: the real entry point (dist/src/main.js)
// on the run's PostgreSQL database, once with one worker (one process, as TESSERA_WORKERS=1
// runs) and once with two (a node:cluster primary and two workers), loaded by wrk, the same
// session token. Prints both rows, the ratio and whether it reaches the target.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { http1Pool } from "./http1.js";
import { percentile, runLoad } from "./load.js";
import { benchOrigin, mePath } from "./protocol.js";

/** What 2 workers should reach against 1, on 2 cores (issue 16). */
export const workersTarget = 1.6;

/** What the section needs from the run. */
export interface WorkersBenchOptions {
  databaseUrl: string;
  /** The master key the run's Tessera sealed its signing keys with. */
  secretKey: string;
  token: string;
  expectedBody: Buffer;
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  requestTimeoutMs: number;
  /** Registers a started process so that every exit path of the run stops it. */
  track(child: ChildProcess): void;
}

/** One measured row. */
export interface WorkersRow {
  workers: number;
  requests: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  firstError: string | undefined;
  /** CPU of the primary and its workers over the measured window, in cores. */
  serverCpu: number;
  /** CPU the whole machine used over the window (server, PostgreSQL, load generator, anything else), in cores. */
  machineCpu: number;
  load: string;
}

const entry = fileURLToPath(new URL("../src/main.js", import.meta.url));
const startTimeoutMs = 60_000;

/** Runs GET /me with 1 and with 2 workers and prints the rows and the ratio. Returns the rows. */
export async function benchWorkers(options: WorkersBenchOptions): Promise<WorkersRow[]> {
  const wrk = await hasWrk();
  const rows: WorkersRow[] = [];
  for (const workers of [1, 2]) {
    process.stderr.write(`bench: GET ${mePath}: TESSERA_WORKERS=${workers}…\n`);
    const server = await startEntry(workers, options);
    try {
      rows.push(await measure(server.port, server.pid, workers, wrk, options));
    } finally {
      await server.stop();
    }
  }
  printRows(rows, options);
  return rows;
}

function printRows(rows: WorkersRow[], options: WorkersBenchOptions): void {
  console.log("");
  console.log(`GET ${mePath} (Bearer) on PostgreSQL, TESSERA_WORKERS=1 and 2: node dist/src/main.js (the primary supervises, each worker a full replica)`);
  const load = rows[0]?.load ?? "";
  console.log(`  load: ${load}, ${options.concurrency} connections, ${options.warmupSeconds} s warm-up + ${options.seconds} s measured; server CPU = primary + workers (100% = one core), PostgreSQL not counted;`);
  console.log(`  machine CPU = every process on this machine (${os.availableParallelism()} CPU(s) = ${os.availableParallelism() * 100}%): when one worker's row is near that, a second worker has no core to gain`);
  const header = ["workers", "requests", "req/s", "p50 ms", "p99 ms", "errors", "server CPU", "server µs/req", "machine CPU"];
  const cells = rows.map((row) => [
    String(row.workers),
    String(row.requests),
    row.rate.toFixed(0),
    Number.isFinite(row.p50Ms) ? row.p50Ms.toFixed(2) : "n/a",
    Number.isFinite(row.p99Ms) ? row.p99Ms.toFixed(2) : "n/a",
    String(row.errors),
    Number.isFinite(row.serverCpu) ? `${Math.round(row.serverCpu * 100)}%` : "n/a",
    row.rate > 0 && Number.isFinite(row.serverCpu) ? ((row.serverCpu * 1e6) / row.rate).toFixed(0) : "n/a",
    Number.isFinite(row.machineCpu) ? `${Math.round(row.machineCpu * 100)}%` : "n/a",
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)));
  for (const line of [header, ...cells]) console.log("  " + line.map((cell, column) => cell.padStart(widths[column] ?? 0)).join("  "));
  const [one, two] = rows;
  if (one !== undefined && two !== undefined && one.rate > 0) {
    const ratio = two.rate / one.rate;
    console.log(`  2 workers / 1 worker: ${ratio.toFixed(2)}x (target >= ${workersTarget}x on 2 cores): ${ratio >= workersTarget ? "PASS" : "FAIL"}`);
  }
}

interface StartedEntry {
  port: number;
  /** The process that owns the port: the only one, or the primary. */
  pid: number;
  stop(): Promise<void>;
}

/** Starts `node dist/src/main.js` with `workers` and waits for its "tessera ready" line. */
function startEntry(workers: number, options: WorkersBenchOptions): Promise<StartedEntry> {
  const child = spawn(process.execPath, [entry], {
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: options.databaseUrl,
      TESSERA_SECRET_KEY: options.secretKey,
      TESSERA_WORKERS: String(workers),
      PORT: "0",
      ORIGIN: benchOrigin,
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  options.track(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.kill("SIGTERM");
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => fail(new Error(`TESSERA_WORKERS=${workers}: not ready within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      void stop().finally(() => reject(error));
    };
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      stderr += chunk;
      const ready = /"message":"tessera ready","port":(\d+)/.exec(stderr);
      if (ready !== null) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners("data");
        // Keep draining the pipe so that log lines never block the server.
        child.stderr!.resume();
        resolve({ port: Number(ready[1]), pid: child.pid!, stop });
      }
    });
    child.once("exit", (code) => fail(new Error(`TESSERA_WORKERS=${workers} exited (${code}) before ready:\n${stderr.slice(-2000)}`)));
  });
}

/** wrk when installed (its own thread, cheaper than a Node client), else this process's HTTP/1.1 client. */
async function measure(port: number, pid: number, workers: number, wrk: boolean, options: WorkersBenchOptions): Promise<WorkersRow> {
  const headers = { Authorization: `Bearer ${options.token}` };
  const check = http1Pool(port, mePath, options.expectedBody, options.requestTimeoutMs, headers);
  try {
    await check.call();
  } finally {
    check.close();
  }
  if (wrk) {
    await runWrk(port, options.token, options.warmupSeconds, options);
    const before = treeCpuMicros(pid);
    const machineBefore = machineCpuMicros();
    const output = await runWrk(port, options.token, options.seconds, options);
    const serverCpu = (treeCpuMicros(pid) - before) / (options.seconds * 1e6);
    const machineCpu = (machineCpuMicros() - machineBefore) / (options.seconds * 1e6);
    return { workers, ...parseWrk(output, options.seconds), serverCpu, machineCpu, load: "wrk -t1 (HTTP/1.1 keep-alive; every non-2xx counted as an error)" };
  }
  const client = http1Pool(port, mePath, options.expectedBody, options.requestTimeoutMs, headers);
  let before = NaN;
  let after = NaN;
  let machineBefore = NaN;
  let machineAfter = NaN;
  try {
    const result = await runLoad(client.call, {
      concurrency: options.concurrency,
      warmupMs: options.warmupSeconds * 1000,
      durationMs: options.seconds * 1000,
      onWindow(edge) {
        if (edge === "begin") [before, machineBefore] = [treeCpuMicros(pid), machineCpuMicros()];
        else [after, machineAfter] = [treeCpuMicros(pid), machineCpuMicros()];
      },
    });
    return {
      workers,
      requests: result.requests,
      rate: result.requests / result.seconds,
      p50Ms: percentile(result.latenciesMs, 50),
      p99Ms: percentile(result.latenciesMs, 99),
      errors: result.errors,
      firstError: result.firstError,
      serverCpu: (after - before) / (options.seconds * 1e6),
      machineCpu: (machineAfter - machineBefore) / (options.seconds * 1e6),
      load: "bench/http1.ts in the bench process (wrk not installed; it shares the CPU with the server)",
    };
  } finally {
    client.close();
  }
}

function hasWrk(): Promise<boolean> {
  return new Promise((resolve) => execFile("wrk", ["--version"], { timeout: 5_000 }, (error) => resolve(error === null || (error as { code?: unknown }).code === 1)));
}

function runWrk(port: number, token: string, seconds: number, options: WorkersBenchOptions): Promise<string> {
  const args = ["-t1", `-c${options.concurrency}`, `-d${Math.max(1, Math.round(seconds))}s`, `--timeout`, `${Math.ceil(options.requestTimeoutMs / 1000)}s`, "--latency", "-H", `Authorization: Bearer ${token}`, `http://127.0.0.1:${port}${mePath}`];
  return new Promise((resolve, reject) =>
    execFile("wrk", args, { timeout: (seconds + 30) * 1000 }, (error, stdout) => (error === null ? resolve(stdout) : reject(new Error(`wrk failed: ${error.message}`)))),
  );
}

/** Requests, rate, p50/p99 and errors (non-2xx, socket errors) from wrk's --latency output. */
export function parseWrk(output: string, seconds: number): Omit<WorkersRow, "workers" | "serverCpu" | "machineCpu" | "load"> {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
  const latency = (label: string) => {
    const match = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(output);
    if (match === null) return NaN;
    const value = Number(match[1]);
    return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
  };
  const requests = number(/(\d+) requests in/);
  const non2xx = number(/Non-2xx or 3xx responses: (\d+)/);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, count) => sum + Number(count), 0);
  const errors = (Number.isFinite(non2xx) ? non2xx : 0) + socketErrors;
  return {
    requests,
    rate: number(/Requests\/sec:\s+([\d.]+)/) || requests / seconds,
    p50Ms: latency("50"),
    p99Ms: latency("99"),
    errors,
    firstError: errors > 0 ? output.split("\n").find((line) => /Non-2xx|Socket errors/.test(line))?.trim() : undefined,
  };
}

/** CPU time (user + system) of `pid` and its child processes (the workers), in microseconds. */
function treeCpuMicros(pid: number): number {
  const ticksPerSecond = 100;
  const one = (id: number, missing: number): number => {
    try {
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = readFileSync(`/proc/${id}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
    } catch {
      // No /proc (not Linux): n/a; a worker that just exited: its CPU is gone with it.
      return missing;
    }
  };
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    children = [];
  }
  return one(pid, NaN) + children.reduce((sum, child) => sum + one(child, 0), 0);
}

/** Busy CPU time of the whole machine (every CPU, /proc/stat: all but idle and iowait), in microseconds; NaN without /proc. */
function machineCpuMicros(): number {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return ((total - idle) * 1e6) / 100;
  } catch {
    return NaN;
  }
}
