#!/usr/bin/env node
// Runs `tsc -p tsconfig.build.json` only when dist/ is older than what it is built from, so that
// `npm start`, `npm run tessera` and `npm run migrate` start at once when the build is current.
//
// "Older" compares the newest modification time under the build's inputs (files and directories,
// so a deleted or renamed file counts too) against dist/.build-stamp, written after a build that
// succeeded. `--force` builds anyway. Exits with tsc's status when a build fails.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "dist", ".build-stamp");
// What tsconfig.build.json compiles, and what changes how it compiles.
const inputs = ["src", "gen", "bench", "test/harness/software-authenticator.ts", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];

/** The newest mtime (ms) of `path` and, for a directory, of everything below it. */
function newest(path) {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return 0;
  let latest = stats.mtimeMs;
  if (stats.isDirectory()) for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return inputs.some((input) => newest(join(root, input)) > built);
}

if (process.argv.includes("--force") || isStale()) {
  process.stderr.write(existsSync(stamp) ? "tessera: building dist/ (tsc): the sources changed since the last build\n" : "tessera: building dist/ (tsc)\n");
  const started = Date.now();
  // The stamp's time is taken before compiling: a source edited during the build stays newer.
  const startedAt = new Date(started);
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit", timeout: 300_000 });
  if (result.status !== 0) {
    process.stderr.write(`tessera: build failed${result.error ? ` (${result.error.message})` : ""}\n`);
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, `built ${startedAt.toISOString()}\n`);
  utimesSync(stamp, startedAt, startedAt);
  process.stderr.write(`tessera: built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
