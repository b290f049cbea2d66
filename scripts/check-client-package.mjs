#!/usr/bin/env node
// Checks @tessera/client as a browser developer meets it: builds it, `npm pack`s it, installs the
// tarball into a fresh project in a temporary directory (from the npm registry, preferring the
// local cache; @bufbuild/protobuf at the server's version, as an app provides the peer), then
// type-checks packages/client/sample/main.ts against the installed package (tsc) and bundles it
// for browsers (esbuild). Bounded: every command has a timeout, the whole under two minutes.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "packages", "client");
const started = Date.now();
const budgetMs = 120_000;

function run(command, args, cwd) {
  const left = budgetMs - (Date.now() - started);
  if (left <= 0) fail(`out of time before ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: left });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    fail(`${command} ${args.join(" ")} failed (${result.error?.message ?? `status ${result.status}`})`);
  }
  return result.stdout;
}

function fail(message) {
  process.stderr.write(`check-client-package: ${message}\n`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), "tessera-client-check-"));
try {
  run(process.execPath, [join(root, "scripts", "build-client.mjs")], root);
  // --ignore-scripts: prepack would build a second time.
  const packed = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], pkg));
  const tarball = join(work, packed[0].filename);
  const listed = packed[0].files.map((file) => file.path);
  for (const wanted of ["dist/index.js", "dist/index.d.ts", "dist/identity.d.ts", "dist/reasons.js", "package.json"]) {
    if (!listed.includes(wanted)) fail(`the tarball lacks ${wanted}`);
  }
  if (listed.some((file) => file.includes("testing") || file.startsWith("src/") || file.startsWith("build/"))) fail(`the tarball holds files it must not: ${listed.join(", ")}`);

  const app = join(work, "app");
  cpSync(join(pkg, "sample"), app, { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "sample-app", private: true, type: "module" }, null, 2));
  const protobuf = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).dependencies["@bufbuild/protobuf"];
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball, `@bufbuild/protobuf@${protobuf}`], app);
  const installed = JSON.parse(readFileSync(join(app, "node_modules", "@connectrpc", "connect-web", "package.json"), "utf8")).version;

  run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(app, "tsconfig.json")], app);
  const bundle = join(app, "bundle.js");
  run(join(root, "node_modules", ".bin", "esbuild"), ["main.ts", "--bundle", "--format=esm", "--platform=browser", "--target=es2022", `--outfile=${bundle}`, "--log-level=warning"], app);
  const size = statSync(bundle).size;
  if (!readFileSync(bundle, "utf8").includes("x-client-id")) fail("the bundle does not carry the transport helper");
  process.stdout.write(`check-client-package: ${packed[0].filename} (${listed.length} files) installs, type-checks and bundles (${size} bytes, connect-web ${installed}) in ${Date.now() - started} ms\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
