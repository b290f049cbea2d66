import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { listeningPort, runScript, type ScriptRun } from "../harness/script.js";

// A second process writing into the embedded database's files while the server has them open
// corrupts them (`keys rotate` beside a running server did): the CLI and a second server must
// refuse the DATA_DIR a running server holds, and a lock left by a killed server must not block.
describe("a PGlite DATA_DIR held by a running server", () => {
  it("refuses the CLI, migrate and a second server with exit 2, frees DATA_DIR on stop, and takes over a killed server's lock", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-held-"));
    const env = { DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "info" };
    const lockFile = join(dataDir, "tessera.lock");
    const started = async (): Promise<ScriptRun> => {
      const server = runScript("src/main.ts", [], env);
      await expect.poll(() => listeningPort(server), { timeout: 120_000, interval: 200 }).toBeDefined();
      return server;
    };
    let server = await started();
    try {
      expect(JSON.parse(readFileSync(lockFile, "utf8"))).toMatchObject({ holder: "server", pid: server.child.pid });
      const refusal = `DATA_DIR ${dataDir} is in use by a running Tessera server (pid ${server.child.pid}): `;
      for (const [script, args] of [["src/cli.ts", ["keys", "rotate", "RS256"]], ["src/cli.ts", ["outbox", "list"]], ["src/store/migrate-cli.ts", []]] as const) {
        const refused = runScript(script, [...args], { ...env, LOG_LEVEL: "error" });
        expect(await refused.exited).toBe(2);
        expect(refused.stderr()).toContain(refusal);
        expect(refused.stderr()).toContain("use the running server, or stop it (SIGTERM), run this command, and start it again");
      }
      const second = runScript("src/main.ts", [], env);
      expect(await second.exited).toBe(2);
      expect(second.stderr()).toContain("stop it, or give this server another DATA_DIR");
      // The refusals left the server and its lock as they were.
      expect((await rest(`http://127.0.0.1:${listeningPort(server)}`, "GET", "/.well-known/jwks.json")).status).toBe(200);
      expect(JSON.parse(readFileSync(lockFile, "utf8"))).toMatchObject({ holder: "server", pid: server.child.pid });

      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(existsSync(lockFile)).toBe(false);
      const listed = runScript("src/cli.ts", ["keys", "list"], { ...env, LOG_LEVEL: "error" });
      expect(await listed.exited).toBe(0);
      expect(listed.stdout()).toMatch(/^RS256\t\S+\tsigning$/m);

      server = await started();
      server.child.kill("SIGKILL");
      await server.exited;
      expect(existsSync(lockFile)).toBe(true);
      const afterCrash = runScript("src/cli.ts", ["keys", "list"], { ...env, LOG_LEVEL: "error" });
      expect(await afterCrash.exited).toBe(0);
      expect(afterCrash.stdout()).toMatch(/^EdDSA\t\S+\tsigning$/m);
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      server.child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 420_000);
});
