// h2load (Debian `nghttp2-client`) as the load generator of the gRPC rows: a C client that
// costs the server's cores far less than grpc-js would, so the rows measure the servers.
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { LoadResult } from "./load.js";

/** Whether `h2load` runs here. */
export function h2loadInstalled(): boolean {
  const probe = spawnSync("h2load", ["--version"], { timeout: 5_000, stdio: "ignore" });
  return probe.status === 0;
}

/** One h2load run: `clients` connections with `streams` requests in flight each, for `seconds`. */
export interface H2loadOptions {
  url: string;
  /** The request body (POST), e.g. a 5-byte empty gRPC envelope; none with `get`. */
  body: Buffer;
  /** A GET without a body instead of a POST. */
  get?: boolean;
  /** HTTP/1.1 (`--h1`, one request in flight per connection) instead of HTTP/2. */
  http1?: boolean;
  headers: Record<string, string>;
  clients: number;
  streams: number;
  seconds: number;
}

/**
 * Runs h2load and reads its summary and per-request log: requests are those answered 2xx, the
 * latencies those of the log (h2load's `--log-file`, microseconds per request).
 */
export async function runH2load(options: H2loadOptions): Promise<LoadResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tessera-h2load-"));
  try {
    const bodyFile = path.join(dir, "body");
    const logFile = path.join(dir, "log");
    await writeFile(bodyFile, options.body);
    const args = ["-c", String(options.clients), "-m", String(options.streams), "-D", String(options.seconds), "--log-file", logFile];
    // h2load cannot map an empty file: an empty body is a POST without -d.
    if (options.get !== true) args.push(...(options.body.length === 0 ? ["-H", ":method: POST"] : ["-d", bodyFile]));
    if (options.http1 === true) args.push("--h1");
    for (const [name, value] of Object.entries(options.headers)) args.push("-H", `${name}: ${value}`);
    args.push(options.url);
    const output = await new Promise<string>((resolve, reject) => {
      execFile("h2load", args, { timeout: (options.seconds + 30) * 1000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`h2load failed: ${error.message} ${stderr.slice(0, 500)}`));
        else resolve(stdout);
      });
    });
    const counts = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(output);
    const finished = /finished in ([\d.]+)s/.exec(output);
    const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(output);
    if (counts === null || finished === null || codes === null) throw new Error(`h2load: unexpected output: …${output.slice(-500)}`);
    const [succeeded, failed, errored, timedOut] = [4, 5, 6, 7].map((group) => Number(counts[group]));
    const non2xx = Number(codes[2]) + Number(codes[3]) + Number(codes[4]);
    const errors = failed! + errored! + timedOut! + non2xx;
    const log = await readFile(logFile, "utf8");
    const latencies = log
      .split("\n")
      .map((line) => line.split("\t"))
      .filter((columns) => columns.length >= 3 && columns[1]!.startsWith("2"))
      .map((columns) => Number(columns[2]) / 1000);
    return {
      requests: succeeded! - non2xx,
      errors,
      firstError: errors > 0 ? `h2load: ${failed} failed, ${errored} errored, ${timedOut} timed out, ${non2xx} not 2xx` : undefined,
      seconds: Number(finished[1]),
      latenciesMs: Float64Array.from(latencies).sort(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
