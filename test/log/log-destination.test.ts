import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

// The stderr destination of the log: a full pipe must not stall the event loop, and lines
// still buffered when the process exits are written out. Each case runs in a child process
// (bounded in time), since a blocking write would stall the test runner itself.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-log-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const child = (mode: string, target: string) =>
  spawnSync("node_modules/.bin/vite-node", ["test/log/log-destination.child.ts", mode, target], { encoding: "utf8", timeout: 60_000 });

it("does not stall the event loop when stderr is a pipe nobody reads", () => {
  const fifo = path.join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
  const run = child("fifo", fifo);
  expect(run.error).toBeUndefined();
  // 2 MB of lines into a 64 KiB pipe: a synchronous write would never return.
  expect(Number(run.stdout.trim())).toBeLessThan(5_000);
}, 90_000);

it("writes every buffered line when the process exits at once", () => {
  const file = path.join(dir, "log");
  const run = child("exit", file);
  expect(run.error).toBeUndefined();
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  expect(lines).toHaveLength(2000);
  expect(JSON.parse(lines.at(-1)!)).toMatchObject({ i: 1999, msg: "line" });
}, 90_000);
