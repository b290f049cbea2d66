#!/usr/bin/env node
// Checks Dockerfile, .dockerignore and compose.yaml offline, where no image can be pulled and no
// hadolint is packaged: the rules Tessera's container must keep (multi-stage, production
// dependencies only, a non-root user, DATA_DIR a volume, the ports, a HEALTHCHECK on
// /health/ready that needs no curl) and a few of hadolint's (pinned base images, exec-form CMD,
// absolute WORKDIR, COPY not ADD, --no-install-recommends). Prints each failure; exits 1 on any.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const failures = [];
const check = (ok, message) => {
  if (!ok) failures.push(message);
};

/** Dockerfile instructions: continuation lines joined, comments dropped. */
function instructions(text) {
  const joined = text.replace(/\\\r?\n/g, " ");
  return joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line);
      return { keyword: keyword.toUpperCase(), args: rest };
    });
}

const dockerfile = instructions(readFileSync(join(root, "Dockerfile"), "utf8"));
const stages = [];
for (const instruction of dockerfile) {
  if (instruction.keyword === "FROM") stages.push({ from: instruction.args, body: [] });
  else if (stages.length === 0) check(instruction.keyword === "ARG", `Dockerfile: ${instruction.keyword} before the first FROM`);
  else stages.at(-1).body.push(instruction);
}
check(stages.length >= 2, "Dockerfile: not multi-stage (a build stage and a runtime stage)");
for (const stage of stages) {
  const [image] = stage.from.split(/\s+/);
  check(/^[^:@\s]+(:[^\s]+|@sha256:[0-9a-f]{64})$/.test(image) && !image.endsWith(":latest"), `Dockerfile: FROM ${image} is not pinned to a tag or digest (not :latest)`);
  check(/^node:20[-.\w]*$/.test(image), `Dockerfile: FROM ${image} is not a Node 20 image`);
}
const runtime = stages.at(-1) ?? { from: "", body: [] };
const build = stages[0] ?? { from: "", body: [] };
const all = (keyword, stage) => stage.body.filter((instruction) => instruction.keyword === keyword);
const runs = (stage) => all("RUN", stage).map((instruction) => instruction.args);

check(/\sAS\s+\S+/i.test(build.from) && /\sAS\s+\S+/i.test(runtime.from), "Dockerfile: stages are not named (FROM … AS name)");
check(runs(build).some((run) => /\bnpm ci\b/.test(run)), "Dockerfile: the build stage does not run npm ci");
check(runs(build).some((run) => /build-if-stale\.mjs|npm run build|\btsc\b/.test(run)), "Dockerfile: the build stage does not build dist/");
const installs = runs(runtime).filter((run) => /\bnpm (ci|install|i)\b/.test(run));
check(installs.length > 0, "Dockerfile: the runtime stage installs no dependencies");
for (const run of installs) check(/--omit=dev\b/.test(run), `Dockerfile: the runtime stage installs dev dependencies: RUN ${run}`);
check(all("COPY", runtime).some((copy) => /--from=\S+\s+\S*dist\b/.test(copy.args)), "Dockerfile: the runtime stage does not copy dist/ from the build stage");
check(!all("COPY", runtime).some((copy) => /node_modules/.test(copy.args) && /--from=/.test(copy.args) && !/--from=\S*prod/i.test(copy.args)), "Dockerfile: the runtime stage copies the build stage's node_modules (dev dependencies included)");

check(
  all("COPY", runtime).some((copy) => /(^|\s)examples\/web\/dist\/?\s+\S*examples\/web\/dist\/?$/.test(copy.args)),
  "Dockerfile: the runtime stage does not copy examples/web/dist (the demo served at /demo/ on the embedded database)",
);

const users = all("USER", runtime).map((user) => user.args.trim());
check(users.length > 0 && !/^(root|0)(:|$)/.test(users.at(-1)), "Dockerfile: the runtime stage does not end as a non-root USER");
check(
  all("ENV", runtime).some((env) => /(^|\s)DATA_DIR=\/data(\s|$)/.test(env.args)),
  "Dockerfile: the runtime stage does not set DATA_DIR=/data",
);
check(all("VOLUME", runtime).some((volume) => /(^|[\s"[])\/data($|[\s"\]])/.test(volume.args)), "Dockerfile: /data is not a VOLUME");
const exposed = all("EXPOSE", runtime).flatMap((expose) => expose.args.split(/\s+/)).map((port) => port.replace(/\/tcp$/, ""));
for (const port of ["8080", "8081"]) check(exposed.includes(port), `Dockerfile: port ${port} is not EXPOSEd`);

const healthchecks = all("HEALTHCHECK", runtime);
check(healthchecks.length === 1, "Dockerfile: the runtime stage has no HEALTHCHECK (or more than one)");
for (const healthcheck of healthchecks) {
  const command = /\bCMD\s+(.*)$/.exec(healthcheck.args)?.[1] ?? "";
  check(/^\[\s*"node"/.test(command), "Dockerfile: HEALTHCHECK does not run node in exec form (slim images have no curl or wget)");
  check(command.includes("/health/ready") && command.includes("ADMIN_PORT") && command.includes("8081"), "Dockerfile: HEALTHCHECK does not ask /health/ready on ADMIN_PORT (default 8081)");
  check(/AbortSignal\.timeout\(\d+\)/.test(command) && /--timeout=\d+s/.test(healthcheck.args), "Dockerfile: HEALTHCHECK has no timeout of its own and --timeout");
  if (/^\[/.test(command)) {
    try {
      JSON.parse(command);
    } catch {
      failures.push("Dockerfile: HEALTHCHECK CMD is not a valid JSON array");
    }
  }
}
const commands = all("CMD", runtime);
check(commands.length === 1, "Dockerfile: the runtime stage has no CMD (or more than one)");
for (const command of commands) {
  let parsed;
  try {
    parsed = JSON.parse(command.args);
  } catch {
    parsed = undefined;
  }
  check(Array.isArray(parsed) && parsed[0] === "node" && parsed[1] === "dist/src/main.js", `Dockerfile: CMD is not the exec form ["node", "dist/src/main.js"] (npm would sit between the signal and the server)`);
}

for (const stage of stages) {
  for (const instruction of stage.body) {
    if (instruction.keyword === "ADD") failures.push(`Dockerfile: ADD ${instruction.args}: use COPY`);
    if (instruction.keyword === "WORKDIR") check(instruction.args.startsWith("/"), `Dockerfile: WORKDIR ${instruction.args} is not absolute`);
    if (instruction.keyword === "RUN") {
      check(!/\bsudo\b/.test(instruction.args), `Dockerfile: RUN uses sudo: ${instruction.args}`);
      check(!/(^|&&|;)\s*cd\s/.test(instruction.args), `Dockerfile: RUN uses cd (use WORKDIR): ${instruction.args}`);
      check(!/apt-get install/.test(instruction.args) || /--no-install-recommends/.test(instruction.args), `Dockerfile: apt-get install without --no-install-recommends: ${instruction.args}`);
    }
    if (instruction.keyword === "COPY" && !/--from=/.test(instruction.args)) {
      const sources = instruction.args.split(/\s+/).filter((word) => !word.startsWith("--")).slice(0, -1);
      for (const source of sources) check(existsSync(join(root, source)), `Dockerfile: COPY ${source}: no such file in the build context`);
    }
  }
}

// The build context: never the secrets, the data, the local builds or the dependencies.
const ignored = existsSync(join(root, ".dockerignore")) ? readFileSync(join(root, ".dockerignore"), "utf8").split(/\r?\n/).map((line) => line.trim()) : [];
check(ignored.length > 0, ".dockerignore is missing");
for (const entry of [".git", "node_modules", "dist", "data", ".env", "tessera.env"]) check(ignored.includes(entry), `.dockerignore does not exclude ${entry}`);
// `dist` excludes the top-level build only; a pattern reaching into subdirectories would drop the demo's bundle.
for (const entry of ignored) check(!/^(\*\*\/|examples)/.test(entry) || !/dist|examples\/?$|examples\/web\/?$/.test(entry), `.dockerignore: ${entry} excludes examples/web/dist (the demo's committed bundle)`);

// compose.yaml, read as text (no YAML parser among the dependencies; `docker compose config` needs the plugin).
const compose = readFileSync(join(root, "compose.yaml"), "utf8");
const service = (name) => new RegExp(`^  ${name}:\\n((?:    .*\\n|\\s*\\n)*)`, "m").exec(compose)?.[1] ?? "";
const postgres = service("postgres");
const tessera = service("tessera");
check(/^services:/m.test(compose), "compose.yaml: no services");
check(postgres !== "" && tessera !== "", "compose.yaml: needs the services postgres and tessera");
check(/image:\s*postgres:\d+/.test(postgres), "compose.yaml: postgres is not a pinned postgres image");
check(/healthcheck:\s*\n\s+test:.*pg_isready/.test(postgres), "compose.yaml: postgres has no pg_isready healthcheck");
check(/volumes:\s*\n\s+- \S+:\/var\/lib\/postgresql\/data/.test(postgres), "compose.yaml: postgres keeps its data in no volume");
check(/depends_on:\s*\n\s+postgres:\s*\n\s+condition:\s*service_healthy/.test(tessera), "compose.yaml: tessera does not wait for a healthy postgres");
check(/DATABASE_URL:\s*postgres(ql)?:\/\/[^\n]*@postgres:5432\//.test(tessera), "compose.yaml: tessera has no DATABASE_URL to the postgres service");
check(/env_file:/.test(tessera), "compose.yaml: tessera reads no env file (TESSERA_SECRET_KEY)");
check(!/^\s+-?\s*TESSERA_SECRET_KEY[:=]\s*\S/m.test(compose) && !/^\s+-?\s*POSTGRES_PASSWORD[:=][ \t]*(?!\$\{)\S/m.test(compose), "compose.yaml: a secret is written into the file instead of an env file");
check(/-\s*"?8080:8080"?/.test(tessera) && /-\s*"?8081:8081"?/.test(tessera), "compose.yaml: tessera does not publish 8080 and 8081");
check(/- \S+:\/data\b/.test(tessera), "compose.yaml: tessera's /data is no named volume");
check(/stop_grace_period:\s*(\d+)s/.test(tessera) && Number(/stop_grace_period:\s*(\d+)s/.exec(tessera)[1]) > 10, "compose.yaml: stop_grace_period is not above SHUTDOWN_GRACE_SECONDS (10 s)");
check(/^volumes:/m.test(compose), "compose.yaml: the named volumes are not declared");

if (failures.length > 0) {
  for (const failure of failures) process.stderr.write(`error: ${failure}\n`);
  process.exit(1);
}
process.stdout.write(`container files pass: Dockerfile (${stages.length} stages, ${dockerfile.length} instructions), .dockerignore, compose.yaml\n`);
