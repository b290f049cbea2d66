#!/usr/bin/env node
// Bundles the demo web app into examples/web/dist/ (committed, so that `npm start` serves it
// with no build step): app.js from src/main.ts, and index.html and style.css copied beside it.
// The page imports @tessera/client as a browser app would: the package is built from the
// contracts first (scripts/build-client.mjs), the page type-checked against its .d.ts
// (examples/web/tsconfig.json), then bundled from its compiled JavaScript.
// The output is the same for the same sources, so CI rebuilds it and fails on a difference.
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

function run(args, what) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", timeout: 120_000 });
  if (result.status !== 0) {
    process.stderr.write(`build:demo: ${what} failed (status ${result.status ?? result.signal})\n`);
    process.exit(1);
  }
}
run([join(root, "scripts", "build-client.mjs")], "building @tessera/client");
run([join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(here, "tsconfig.json")], "type-checking the demo");

const out = join(here, "dist");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.ts")],
  tsconfig: join(here, "tsconfig.json"),
  outfile: join(out, "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome120", "firefox120", "safari17"],
  minify: true,
  legalComments: "eof",
  sourcemap: false,
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(join(here, file), join(out, file));
console.log(`demo web app bundled into ${out}`);
