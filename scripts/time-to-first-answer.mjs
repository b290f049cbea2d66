#!/usr/bin/env node
// How long `npm start` takes to its first answer: starts it on a free port, asks
// GET /.well-known/jwks.json every 50 ms until it answers 200, prints the milliseconds, and stops
// the server with SIGTERM.
//   node scripts/time-to-first-answer.mjs          warm: dist/ current, DATA_DIR already made
//   node scripts/time-to-first-answer.mjs --cold   cold: dist/ stale (the build stamp removed), a new DATA_DIR
//   node scripts/time-to-first-answer.mjs --direct the baseline: `node dist/src/main.js`, no npm, no check
// Wrap it in `/usr/bin/time -v` or a benchmark runner to repeat it; it gives up after 300 s.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cold = process.argv.includes("--cold");
const direct = process.argv.includes("--direct");
const dataDir = cold ? mkdtempSync(join(tmpdir(), "tessera-first-answer-")) : join(tmpdir(), "tessera-first-answer-warm");
mkdirSync(dataDir, { recursive: true });
if (cold) rmSync(join(root, "dist", ".build-stamp"), { force: true });

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const started = performance.now();
const [command, ...args] = direct ? [process.execPath, "dist/src/main.js"] : ["npm", "start", "--silent"];
const child = spawn(command, args, { cwd: root, env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "warn" }, stdio: ["ignore", "ignore", "inherit"], detached: true });
const exited = new Promise((resolve) => child.once("exit", resolve));
let answered = false;
child.once("exit", (code) => {
  if (!answered) {
    process.stderr.write(`npm start exited (${code}) before answering\n`);
    process.exit(1);
  }
});

const deadline = started + 300_000;
while (performance.now() < deadline) {
  const status = await fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.status,
    () => 0,
  );
  if (status === 200) {
    answered = true;
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const elapsed = performance.now() - started;
// The whole group: npm, the shell it runs the script in, and node.
process.kill(-child.pid, "SIGTERM");
const stuck = setTimeout(() => process.kill(-child.pid, "SIGKILL"), 20_000);
await exited;
clearTimeout(stuck);
if (cold) rmSync(dataDir, { recursive: true, force: true });
if (!answered) {
  process.stderr.write("no answer within 300 s\n");
  process.exit(1);
}
process.stdout.write(`${direct ? "node dist/src/main.js" : cold ? "cold npm start" : "warm npm start"}: first answer after ${Math.round(elapsed)} ms\n`);
