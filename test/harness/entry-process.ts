import { spawn, type ChildProcess } from "node:child_process";

/** `node <entry>` running as a child, with what it wrote to stderr (the JSON log lines). */
export interface EntryProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  stderr(): string;
  /** The log lines (JSON objects) written so far whose message is `message`. */
  lines(message: string): Array<Record<string, unknown>>;
  /** Waits up to `timeoutMs` for a log line with `message`, the `nth` such (1-based); rejects on exit or timeout. */
  waitFor(message: string, timeoutMs: number, nth?: number): Promise<Record<string, unknown>>;
}

/** Runs the transpiled entry point (test/harness/transpiled-entry.ts) with `env` on top of this process's. */
export function runEntry(entry: string, env: Record<string, string>): EntryProcess {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let exitCode: number | null | undefined;
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr += chunk;
    if (process.env.TEST_LOG) process.stderr.write(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve((exitCode = code))));
  const lines = (message: string) =>
    stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line["message"] === message);
  const waitFor = (message: string, timeoutMs: number, nth = 1) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const check = () => {
        const found = lines(message)[nth - 1];
        if (found !== undefined) return resolve(found);
        if (exitCode !== undefined) return reject(new Error(`exited (${exitCode}) before logging "${message}":\n${stderr.slice(-2000)}`));
        if (Date.now() > deadline) return reject(new Error(`no "${message}" within ${timeoutMs} ms:\n${stderr.slice(-2000)}`));
        setTimeout(check, 100);
      };
      check();
    });
  return { child, exited, stderr: () => stderr, lines, waitFor };
}

/** Whether a process with `pid` still exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
