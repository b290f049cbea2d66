import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePorts } from "../harness/free-port.js";

const viteNode = join("node_modules", ".bin", "vite-node");

/** Runs src/main.ts as `npm start` does (without the build step), collecting stderr. */
function runMain(env: Record<string, string>) {
  const child = spawn(viteNode, ["src/main.ts"], { env: { ...process.env, LOG_LEVEL: "info", ADMIN_PORT: "0", ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stderr += chunk));
  const startedAt = Date.now();
  const exited = new Promise<{ code: number | null; afterMs: number }>((resolve) => child.once("exit", (code) => resolve({ code, afterMs: Date.now() - startedAt })));
  return { child, exited, stderr: () => stderr };
}

const secret = "11".repeat(32);

describe("start-up says what is wrong", () => {
  // Measured before: a closed DATABASE_URL port died at once with a stack trace and no retry.
  it("retries an unreachable database for DATABASE_CONNECT_TIMEOUT, logging each try, then exits 2 naming DATABASE_URL", async () => {
    const [closed] = await freePorts(1);
    const run = runMain({ PORT: "0", DATABASE_URL: `postgres://postgres@127.0.0.1:${closed}/tessera`, TESSERA_SECRET_KEY: secret, DATABASE_CONNECT_TIMEOUT: "3" });
    const { code, afterMs } = await run.exited;
    expect(code).toBe(2);
    expect(afterMs).toBeGreaterThan(3_000);
    expect(run.stderr().match(/database not reachable; retrying/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(run.stderr()).toMatch(/cannot start: DATABASE_URL \(127\.0\.0\.1:\d+\/tessera\) not reachable .*ECONNREFUSED/);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  }, 60_000);

  // An unparseable DATABASE_URL (port 99999: "Invalid URL") was retried for the whole timeout.
  it.each([{ url: "postgres://postgres@127.0.0.1:99999/tessera" }, { url: "postgres://postgres@127.0.0.1:notaport/tessera" }])("exits 2 at once naming DATABASE_URL when it cannot be parsed ($url)", async ({ url }) => {
    const run = runMain({ PORT: "0", DATABASE_URL: url, TESSERA_SECRET_KEY: secret, DATABASE_CONNECT_TIMEOUT: "30" });
    const { code, afterMs } = await run.exited;
    expect(code).toBe(2);
    expect(afterMs).toBeLessThan(10_000);
    expect(run.stderr()).toContain("DATABASE_URL is not a valid URL");
    expect(run.stderr()).not.toContain("database not reachable; retrying");
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  }, 60_000);

  // Measured before: a raw EADDRINUSE stack after 6.5 s of key work.
  it("exits 2 naming PORT when the port is in use, before any key work", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const { port } = blocker.address() as net.AddressInfo;
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-port-"));
    try {
      const run = runMain({ PORT: String(port), DATA_DIR: dataDir });
      const { code } = await run.exited;
      expect(code).toBe(2);
      expect(run.stderr()).toContain(`cannot start: PORT ${port} is in use`);
      expect(run.stderr()).not.toContain("generated a new key");
      expect(run.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  // Measured before: a raw EPERM. (A path below a file is unusable even for root.)
  it("exits 2 naming DATA_DIR when it cannot be used", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-datadir-"));
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    try {
      const run = runMain({ PORT: "0", DATA_DIR: join(file, "data") });
      const { code } = await run.exited;
      expect(code).toBe(2);
      expect(run.stderr()).toMatch(/cannot start: DATA_DIR .* is not a writable directory/);
      expect(run.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Starts main on the embedded default and waits until it listens. */
async function listening(env: Record<string, string>) {
  const run = runMain({ PORT: "0", DATA_DIR: "memory://", ...env });
  await expect.poll(() => /"tessera listening","port":(\d+)/.exec(run.stderr()), { timeout: 45_000, interval: 100 }).not.toBeNull();
  return { ...run, port: Number(/"tessera listening","port":(\d+)/.exec(run.stderr())![1]) };
}

/** A POST /users whose body trickles in over `ms`: a request in flight for that long. */
function slowRequest(port: number, ms: number): Promise<number> {
  const body = JSON.stringify({ email: `slow-${Date.now()}@example.com` });
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, path: "/users", method: "POST", headers: { "content-type": "application/json", "content-length": body.length } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.on("error", reject);
    request.write(body.slice(0, 5));
    setTimeout(() => request.end(body.slice(5)), ms);
  });
}

describe("graceful shutdown", () => {
  it("lets a request in flight finish, closes idle keep-alive connections at once, and exits 0", async () => {
    const run = await listening({});
    try {
      // An idle keep-alive connection must not hold the shutdown back (it waited 5 s before).
      const agent = new http.Agent({ keepAlive: true });
      await new Promise<void>((resolve) => http.get({ host: "127.0.0.1", port: run.port, path: "/.well-known/jwks.json", agent }, (response) => response.resume().on("end", () => resolve())));
      const inFlight = slowRequest(run.port, 1_500);
      await new Promise((resolve) => setTimeout(resolve, 300));
      run.child.kill("SIGTERM");
      expect(await inFlight).toBe(200);
      const answeredAt = Date.now();
      const { code } = await run.exited;
      expect(code).toBe(0);
      // The idle keep-alive connection is closed at once: the process exits right after the
      // last answer, not when the 5 s keep-alive timeout ends the connection.
      expect(Date.now() - answeredAt).toBeLessThan(1_500);
      agent.destroy();
    } finally {
      run.child.kill("SIGKILL");
    }
  }, 60_000);

  it("cuts what is still running after SHUTDOWN_GRACE_SECONDS and exits 1, saying how many", async () => {
    const run = await listening({ SHUTDOWN_GRACE_SECONDS: "1" });
    try {
      const inFlight = slowRequest(run.port, 5_000).catch(() => "cut");
      await new Promise((resolve) => setTimeout(resolve, 300));
      run.child.kill("SIGTERM");
      const { code } = await run.exited;
      expect(code).toBe(1);
      expect(await inFlight).toBe("cut");
      expect(run.stderr()).toMatch(/"level":"error","time":"[^"]*","message":"stopped after cutting requests[^\n]*"cut":1/);
    } finally {
      run.child.kill("SIGKILL");
    }
  }, 60_000);
});
