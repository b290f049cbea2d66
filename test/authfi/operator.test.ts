import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { listeningPort, runScript as run } from "../harness/script.js";

describe("AuthFi access points from configuration and the operator command", () => {
  it("seeds AUTHFI_ACCESS_POINT once across restarts, and serves a relying party made with `rp create`", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-authfi-"));
    const env = { DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "info", AUTHFI_ACCESS_POINT: "seeded", AUTHFI_API_KEY: "seeded-key" };
    const serve = async (check: (url: string) => Promise<void>) => {
      const server = run("src/main.ts", [], env);
      try {
        await expect.poll(() => listeningPort(server), { timeout: 75_000, interval: 200 }).toBeDefined();
        await check(`http://127.0.0.1:${listeningPort(server)}`);
        server.child.kill("SIGTERM");
        expect(await server.exited).toBe(0);
      } finally {
        server.child.kill("SIGKILL");
      }
    };
    try {
      const users = (url: string, ap: string, key: string) => rest(url, "GET", `/${ap}/api/v1/users`, { headers: { "AT-X-KEY": key } });
      await serve(async (url) => {
        expect(await users(url, "seeded", "seeded-key")).toMatchObject({ status: 200, json: { code: 0, total: 0 } });
        expect(await rest(url, "POST", "/seeded/api/v1/webauthn/registration", { body: { params: { user: { name: "ada@example.com" } } }, headers: { "AT-X-KEY": "seeded-key" } })).toMatchObject({ status: 200 });
      });
      const cli = run("src/cli.ts", ["rp", "create", "rp-two", "--state", "trial", "--user-cap", "5"], { DATA_DIR: dataDir, LOG_LEVEL: "error" });
      expect(await cli.exited).toBe(0);
      const key = cli.stdout().trim();
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const again = run("src/cli.ts", ["rp", "create", "rp-two"], { DATA_DIR: dataDir, LOG_LEVEL: "error" });
      expect(await again.exited).toBe(1);
      const bad = run("src/cli.ts", ["rp", "create", "rp-three", "--state", "sleeping"], { DATA_DIR: dataDir, LOG_LEVEL: "error" });
      expect(await bad.exited).toBe(2);
      await serve(async (url) => {
        // The seeded access point and its key survived the restart; the unfinished registration made no user.
        expect(await users(url, "seeded", "seeded-key")).toMatchObject({ status: 200, json: { code: 0, total: 0 } });
        expect(await users(url, "rp-two", key)).toMatchObject({ status: 200, json: { code: 0, total: 0 } });
        expect(await users(url, "rp-two", "seeded-key")).toMatchObject({ status: 401, json: { code: 1000 } });
        expect(await users(url, "rp-three", randomBytes(8).toString("hex"))).toMatchObject({ status: 401, json: { code: 1000 } });
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);

  it("suspends and re-activates a relying party with `rp update`, rotates its key, and revokes a changed AUTHFI_API_KEY", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-authfi-"));
    const cli = async (...args: string[]) => {
      const command = run("src/cli.ts", args, { DATA_DIR: dataDir, LOG_LEVEL: "error" });
      return { code: await command.exited, stdout: command.stdout().trim() };
    };
    const serve = async (apiKey: string, check: (url: string) => Promise<void>) => {
      const server = run("src/main.ts", [], { DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "info", AUTHFI_ACCESS_POINT: "seeded", AUTHFI_API_KEY: apiKey });
      try {
        await expect.poll(() => listeningPort(server), { timeout: 75_000, interval: 200 }).toBeDefined();
        await check(`http://127.0.0.1:${listeningPort(server)}`);
        server.child.kill("SIGTERM");
        expect(await server.exited).toBe(0);
      } finally {
        server.child.kill("SIGKILL");
      }
    };
    const users = (url: string, ap: string, key: string) => rest(url, "GET", `/${ap}/api/v1/users`, { headers: { "AT-X-KEY": key } });
    try {
      const created = await cli("rp", "create", "rp-ops");
      expect(created.code).toBe(0);
      expect((await cli("rp", "update", "rp-ops", "--state", "suspended")).stdout).toBe("rp-ops\tsuspended\tno cap");
      expect((await cli("rp", "update", "nobody", "--state", "active")).code).toBe(1);
      expect((await cli("rp", "update", "rp-ops")).code).toBe(2);
      await serve("first-key", async (url) => {
        expect(await users(url, "rp-ops", created.stdout)).toMatchObject({ status: 403, json: { code: 1001 } });
        expect(await users(url, "seeded", "first-key")).toMatchObject({ status: 200 });
      });
      expect((await cli("rp", "update", "rp-ops", "--state", "active", "--user-cap", "3")).stdout).toBe("rp-ops\tactive\t3");
      const rotated = await cli("rp", "rotate-key", "rp-ops");
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // A leaked key must die when the operator replaces it: the configured key and the rotated one.
      await serve("second-key", async (url) => {
        expect(await users(url, "rp-ops", rotated.stdout)).toMatchObject({ status: 200, json: { code: 0 } });
        expect(await users(url, "rp-ops", created.stdout)).toMatchObject({ status: 401, json: { code: 1000 } });
        expect(await users(url, "seeded", "second-key")).toMatchObject({ status: 200 });
        expect(await users(url, "seeded", "first-key")).toMatchObject({ status: 401, json: { code: 1000 } });
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
