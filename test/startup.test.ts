import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rest } from "./harness/rest.js";

const viteNode = join("node_modules", ".bin", "vite-node");

/** Runs src/main.ts as `npm start` does (without the build step), collecting stderr. */
function runMain(env: Record<string, string>) {
  const child = spawn(viteNode, ["src/main.ts"], { env: { ...process.env, ADMIN_PORT: "0", ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

describe("starting the server", () => {
  it("stops at once with a message naming a badly set variable", async () => {
    const run = runMain({ PORT: "eighty", DATA_DIR: "memory://" });
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/configuration error: PORT must be an integer/);
  });

  it("starts on the embedded default, generates its key into DATA_DIR, serves, and stops cleanly on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-start-"));
    const run = runMain({ PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "info" });
    try {
      await expect.poll(() => /"tessera listening","port":(\d+)/.exec(run.stderr()), { timeout: 45_000, interval: 200 }).not.toBeNull();
      const port = /"tessera listening","port":(\d+)/.exec(run.stderr())![1];
      expect(run.stderr()).toContain("generated a new key");
      expect(existsSync(join(dataDir, "secret.key"))).toBe(true);
      const status = await rest(`http://127.0.0.1:${port}`, "GET", "/");
      expect(status.status).toBe(200);
      const adminPort = /"tessera listening","port":\d+,"adminPort":(\d+)/.exec(run.stderr())![1];
      expect((await rest(`http://127.0.0.1:${adminPort}`, "GET", "/health/ready")).json).toMatchObject({ status: "ok" });
      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("the operator command", () => {
  it("lists, rotates and retires signing keys in the configured database", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-cli-"));
    const cli = async (...args: string[]) => {
      const child = spawn(viteNode, ["src/cli.ts", ...args], { env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "error" }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => (out += chunk));
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      return { code, out };
    };
    try {
      const first = await cli("keys", "list");
      expect(first.code).toBe(0);
      const oldKid = /^RS256\t(\S+)\tsigning$/m.exec(first.out)?.[1];
      expect(oldKid).toBeDefined();
      const rotated = await cli("keys", "rotate", "RS256");
      expect(rotated.code).toBe(0);
      const newKid = rotated.out.trim();
      const listed = (await cli("keys", "list")).out;
      expect(listed).toContain(`RS256\t${newKid}\tsigning`);
      expect(listed).toContain(`RS256\t${oldKid}\tpublished`);
      expect((await cli("keys", "retire", oldKid!)).code).toBe(0);
      expect((await cli("keys", "list")).out).not.toContain(oldKid!);
      expect((await cli("keys", "rotate", "HS256")).code).toBe(2);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
