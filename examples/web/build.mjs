#!/usr/bin/env node
// Bundles the demo web app into examples/web/dist/ (committed, so that `npm start` serves it
// with no build step): app.js from src/main.ts, and index.html and style.css copied beside it.
// The output is the same for the same sources, so CI rebuilds it and fails on a difference.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.ts")],
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
