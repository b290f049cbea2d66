import { execFile } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePorts } from "./free-port.js";

const run = promisify(execFile);

/** A throwaway PostgreSQL cluster of the test's own, which it may restart and stop. */
export interface PgCluster {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  /** `pg_ctl restart -m <mode>`. */
  restart(mode: "fast" | "immediate"): Promise<void>;
  stop(mode?: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and deletes its files. */
  destroy(): Promise<void>;
}

/** The newest `/usr/lib/postgresql/<version>/bin` holding initdb, or undefined. */
export function findPgBin(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (process.env.PG_BIN !== undefined && existsSync(join(process.env.PG_BIN, "initdb"))) return process.env.PG_BIN;
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin");
}

/**
 * initdb refuses root: as root the cluster runs as `PG_USER` (default `tessera-ci`, the user CI
 * creates), through runuser; as anyone else, as that user.
 */
function asPgUser(bin: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [bin, args];
  return ["runuser", ["-u", process.env.PG_USER ?? "tessera-ci", "--", bin, ...args]];
}

async function pgUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const user = process.env.PG_USER ?? "tessera-ci";
  const { stdout: uid } = await run("id", ["-u", user]);
  const { stdout: gid } = await run("id", ["-g", user]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/** Creates and starts a cluster on a free port (several seconds: initdb). */
export async function startPgCluster(): Promise<PgCluster> {
  const bin = findPgBin();
  if (bin === undefined) throw new Error("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (or PG_BIN)");
  const dir = mkdtempSync(join(tmpdir(), "tessera-fault-pg-"));
  const ids = await pgUserIds();
  if (ids !== undefined) chownSync(dir, ids.uid, ids.gid);
  chmodSync(dir, 0o700);
  const data = join(dir, "data");
  const pg = async (tool: string, args: string[]) => {
    const [file, argv] = asPgUser(join(bin, tool), args);
    await run(file, argv, { cwd: "/", timeout: 60_000 });
  };
  await pg("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"]);
  const [port] = await freePorts(1);
  // fsync=off survives a crash of PostgreSQL (not of the machine); synchronous_commit stays on,
  // or `restart -m immediate` would lose commits the clients were told about.
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c max_connections=200 -c fsync=off`;
  const start = () => pg("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
  await start();
  return {
    port: port!,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: (mode) => pg("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-m", mode, "-w", "-t", "60", "restart"]),
    stop: (mode = "fast") => pg("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]),
    start,
    async destroy() {
      await pg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
