import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StartupError } from "../core/errors/startup-error.js";
import { lockDataDir, lockFileName } from "./data-dir-lock.js";

let dataDir: string;
const lockFile = () => join(dataDir, lockFileName);
const writeLock = (content: object | string) => writeFileSync(lockFile(), typeof content === "string" ? content : JSON.stringify(content));
/** A pid that ran and has been reaped: no process has it (until the kernel reuses it, far later). */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "tessera-lock-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe("the DATA_DIR lock", () => {
  it("writes this process's pid into DATA_DIR/tessera.lock and removes it on release", () => {
    const lock = lockDataDir(dataDir, "server");
    expect(JSON.parse(readFileSync(lockFile(), "utf8"))).toMatchObject({ pid: process.pid, host: hostname(), holder: "server" });
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
    lock.release();
  });

  it("refuses a second holder in the same process", () => {
    const lock = lockDataDir(dataDir, "server");
    try {
      expect(() => lockDataDir(dataDir, "command")).toThrow(StartupError);
    } finally {
      lock.release();
    }
  });

  it("refuses a command while a running server holds it, telling the operator to use the server or stop it", async () => {
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      writeLock({ pid: holder.pid, host: hostname(), holder: "server", token: "t", since: new Date().toISOString() });
      expect(() => lockDataDir(dataDir, "command")).toThrow(
        new StartupError("DATA_DIR", `DATA_DIR ${dataDir} is in use by a running Tessera server (pid ${holder.pid}): the embedded database allows one process: use the running server, or stop it (SIGTERM), run this command, and start it again`),
      );
      expect(() => lockDataDir(dataDir, "server")).toThrow(/in use by a running Tessera server .*stop it, or give this server another DATA_DIR/);
      expect(JSON.parse(readFileSync(lockFile(), "utf8"))).toMatchObject({ pid: holder.pid });
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("takes over a lock whose process is gone, or that cannot be read", () => {
    for (const stale of [{ pid: deadPid(), host: hostname(), holder: "server", token: "old", since: "2026-01-01T00:00:00Z" }, "{not json", ""]) {
      writeLock(stale);
      const lock = lockDataDir(dataDir, "command");
      expect(JSON.parse(readFileSync(lockFile(), "utf8"))).toMatchObject({ pid: process.pid, holder: "command" });
      lock.release();
      expect(existsSync(lockFile())).toBe(false);
    }
  });

  it("refuses a lock from another host (its pid cannot be checked here) and says how to clear it", () => {
    writeLock({ pid: 1, host: "elsewhere", holder: "server", token: "t", since: new Date().toISOString() });
    expect(() => lockDataDir(dataDir, "command")).toThrow(`in use by a running Tessera server (pid 1 on host elsewhere)`);
    expect(() => lockDataDir(dataDir, "command")).toThrow(`if no process holds it any more, delete ${lockFile()}`);
  });

  it("leaves alone a lock another process took over after this one's", () => {
    const lock = lockDataDir(dataDir, "server");
    writeLock({ pid: process.pid + 1, host: hostname(), holder: "server", token: "someone-else", since: new Date().toISOString() });
    lock.release();
    expect(JSON.parse(readFileSync(lockFile(), "utf8"))).toMatchObject({ token: "someone-else" });
  });
});
