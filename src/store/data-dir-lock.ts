import { randomUUID } from "node:crypto";
import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { StartupError } from "../core/errors/startup-error.js";

/** Who holds a PGlite DATA_DIR: the server, or an operator command (`npm run tessera`, `npm run migrate`). */
export type DataDirHolder = "server" | "command";

/** A held DATA_DIR lock; `release` is idempotent. */
export interface DataDirLock {
  release(): void;
}

/** The lock file's name inside DATA_DIR. */
export const lockFileName = "tessera.lock";

/** The lock files this process holds. */
const heldHere = new Set<string>();

interface LockContent {
  pid: number;
  host: string;
  holder: DataDirHolder;
  token: string;
  since: string;
}

/**
 * Takes `DATA_DIR/tessera.lock` for this process: the embedded database is one process's files,
 * and a second process writing into them (a CLI beside a running server) corrupts them. The file
 * appears whole and at once (written aside, then hard-linked into place, which fails if it exists);
 * a lock whose process is gone (same host, pid not running) is taken over. Throws a StartupError
 * naming DATA_DIR and the holder otherwise. Released on `release()` or when the process exits.
 */
export function lockDataDir(dataDir: string, holder: DataDirHolder): DataDirLock {
  const path = join(dataDir, lockFileName);
  // Our own pid in the file means a previous life, so a second open in this process is refused here.
  if (heldHere.has(path)) throw busy(dataDir, holder, readLock(path));
  const content: LockContent = { pid: process.pid, host: hostname(), holder, token: randomUUID(), since: new Date().toISOString() };
  const aside = `${path}.${content.token}`;
  writeFileSync(aside, `${JSON.stringify(content)}\n`, { mode: 0o600, flag: "wx" });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(aside, path);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== "EEXIST") throw error;
      }
      const current = readLock(path);
      if (current !== undefined && (current.host !== content.host || isRunning(current.pid))) throw busy(dataDir, holder, current);
      // A crashed holder left it: take over (a second try only; a third means another process races us).
      if (attempt > 0) throw busy(dataDir, holder, current);
      rmSync(path, { force: true });
    }
  } finally {
    unlinkSync(aside);
  }
  heldHere.add(path);
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    heldHere.delete(path);
    process.off("exit", release);
    // Only our own lock: never one a later process took over.
    if (readLock(path)?.token === content.token) rmSync(path, { force: true });
  };
  process.on("exit", release);
  return { release };
}

/** The lock's content; undefined when it is gone or unreadable (a crash mid-write is stale). */
function readLock(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LockContent>;
    if (typeof parsed.pid !== "number" || typeof parsed.host !== "string" || typeof parsed.token !== "string") return undefined;
    return parsed as LockContent;
  } catch {
    return undefined;
  }
}

/** Whether `pid` runs on this host; our own pid is a previous life (a container's pid 1 after a restart). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

function busy(dataDir: string, asking: DataDirHolder, current: LockContent | undefined): StartupError {
  const who = current === undefined ? "another Tessera process" : `a running Tessera ${current.holder === "server" ? "server" : "command"} (pid ${current.pid}${current.host === hostname() ? "" : ` on host ${current.host}`})`;
  const what =
    asking === "command"
      ? current?.holder === "server"
        ? "the embedded database allows one process: use the running server, or stop it (SIGTERM), run this command, and start it again"
        : "wait for that command to finish"
      : "stop it, or give this server another DATA_DIR";
  const stale = current !== undefined && current.host !== hostname() ? `; if no process holds it any more, delete ${join(dataDir, lockFileName)}` : "";
  return new StartupError("DATA_DIR", `DATA_DIR ${dataDir} is in use by ${who}: ${what}${stale}`);
}
