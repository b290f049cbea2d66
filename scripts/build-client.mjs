#!/usr/bin/env node
// Builds packages/client (the browser package `@tessera/client`) from the contracts:
//
//   1. checks that the package depends on exactly the Connect version the server runs, and on
//      the server's protobuf runtime or newer (connect-web pins connect exactly: a mismatch is
//      the ERESOLVE a browser developer met);
//   2. stages in packages/client/build/ the protobuf-es output (gen/es) of every public service
//      area (every tessera.* package but tessera.testing) and the files it imports, the
//      server's list of error reasons (src/core/errors/reasons.ts, so the package's Reason union
//      is the server's, not a copy), and the package's own sources (packages/client/src);
//   3. compiles them with tsc to packages/client/dist (ESM JavaScript and .d.ts).
//
// gen/ is only read. Fails when a public area has no entry module in packages/client/src, so a
// new service cannot be left out of the package silently.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const gen = join(root, "gen", "es");
const pkg = join(root, "packages", "client");
const build = join(pkg, "build");
const dist = join(pkg, "dist");
/**
 * Proto packages that are not part of the browser API: the test service, and the operators'
 * AdminService, served on the management port only and called with the admin key.
 */
const internalAreas = new Set(["testing", "admin"]);

function fail(message) {
  process.stderr.write(`build-client: ${message}\n`);
  process.exit(1);
}

const server = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const client = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
const serverVersion = (name) => server.dependencies?.[name] ?? server.devDependencies?.[name];
const expected = {
  dependencies: { "@connectrpc/connect": serverVersion("@connectrpc/connect"), "@connectrpc/connect-web": serverVersion("@connectrpc/connect") },
  peerDependencies: { "@bufbuild/protobuf": `^${serverVersion("@bufbuild/protobuf")}` },
};
for (const [field, wanted] of Object.entries(expected)) {
  for (const [name, range] of Object.entries(wanted)) {
    if (client[field]?.[name] !== range) fail(`packages/client/package.json ${field} must have "${name}": "${range}" (the server's version), has ${JSON.stringify(client[field]?.[name])}`);
  }
}
if (serverVersion("@connectrpc/connect-web") !== serverVersion("@connectrpc/connect")) {
  fail(`the root's @connectrpc/connect-web (${serverVersion("@connectrpc/connect-web")}) must equal its @connectrpc/connect (${serverVersion("@connectrpc/connect")})`);
}

// The public areas, then every generated file they import, transitively.
const areas = readdirSync(join(gen, "tessera")).filter((area) => !internalAreas.has(area) && area !== "rest");
const pending = [...areas.flatMap((area) => readdirSync(join(gen, "tessera", area, "v1")).map((file) => `tessera/${area}/v1/${file}`)), "google/rpc/error_details_pb.ts"];
const files = new Set();
while (pending.length > 0) {
  const file = pending.pop();
  if (files.has(file)) continue;
  if (!existsSync(join(gen, file))) fail(`gen/es/${file} is imported but missing: run npm run generate`);
  files.add(file);
  for (const [, target] of readFileSync(join(gen, file), "utf8").matchAll(/from "(\.\.?\/[^"]+)"/g)) {
    pending.push(posix.normalize(posix.join(posix.dirname(file), target.replace(/\.js$/, ".ts"))));
  }
}
for (const area of areas) {
  if (!existsSync(join(pkg, "src", `${area}.ts`))) fail(`tessera.${area}.v1 is public but packages/client/src/${area}.ts does not export it`);
  if (client.exports?.[`./${area}`] === undefined) fail(`packages/client/package.json has no export "./${area}"`);
}

rmSync(build, { recursive: true, force: true });
rmSync(dist, { recursive: true, force: true });
for (const file of files) {
  mkdirSync(dirname(join(build, "gen", file)), { recursive: true });
  cpSync(join(gen, file), join(build, "gen", file));
}
cpSync(join(root, "src", "core", "errors", "reasons.ts"), join(build, "reasons.ts"));
cpSync(join(pkg, "src"), build, { recursive: true });

const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const result = spawnSync(process.execPath, [tsc, "-p", join(pkg, "tsconfig.json")], { stdio: "inherit", timeout: 120_000 });
if (result.status !== 0) fail(`tsc failed (status ${result.status ?? result.signal})`);
process.stdout.write(`build-client: ${relative(root, dist)} built from ${files.size} generated files (${areas.map((area) => `tessera.${area}.v1`).join(", ")})\n`);
