import { describe, expect, it } from "vitest";
import { startApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import type { Clock } from "../../src/core/clock.js";
import { createLogger } from "../../src/log.js";
import { rest } from "../harness/rest.js";
import { runScript } from "../harness/script.js";
import { startTestServer } from "../harness/server.js";

// A stopped clock: the key cache never expires by time, so only the NOTIFY can show the change.
const frozen: Clock = { now: () => new Date("2026-12-02T12:00:00Z") };
const kids = async (url: string, path: string): Promise<string[]> => ((await rest(url, "GET", path)).json as { keys: { kid: string }[] }).keys.map((key) => key.kid);

// PGlite has one process: the CLI cannot open its DATA_DIR while a server runs (the DATA_DIR
// lock, test/operator/data-dir-lock.test.ts), and one App's own rotations reset its own cache.
describe.runIf(process.env.TEST_DATABASE_URL)("key rotation on PostgreSQL reaches running servers without a restart", () => {
  it("`keys rotate` and `keys retire` from the CLI show in the running server's JWKS and signing key within 2 s", async () => {
    const server = await startTestServer({}, { clock: frozen });
    try {
      const [oldKid] = await kids(server.url, "/.well-known/jwks.json");
      const rotated = runScript("src/cli.ts", ["keys", "rotate", "RS256"], { ...server.env, LOG_LEVEL: "error" });
      expect(await rotated.exited).toBe(0);
      const newKid = rotated.stdout().trim();
      expect(newKid).not.toBe(oldKid);
      await expect.poll(() => kids(server.url, "/.well-known/jwks.json"), { timeout: 2_000, interval: 100 }).toEqual([newKid, oldKid]);
      expect((await server.app.keys.signingKey("RS256")).kid).toBe(newKid);

      const retired = runScript("src/cli.ts", ["keys", "retire", oldKid!], { ...server.env, LOG_LEVEL: "error" });
      expect(await retired.exited).toBe(0);
      await expect.poll(() => kids(server.url, "/.well-known/jwks.json"), { timeout: 2_000, interval: 100 }).toEqual([newKid]);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("a rotation on one replica shows in the other's JWKS within 2 s", async () => {
    const first = await startTestServer({}, { clock: frozen });
    const second = await startApp(loadConfig(first.env), { logger: createLogger("error"), host: "127.0.0.1", clock: frozen });
    try {
      const path = "/.well-known/authentiq-jwks.json";
      const before = await kids(first.url, path);
      expect(await kids(second.url, path)).toEqual(before);
      const rotated = await second.keys.rotate("EdDSA");
      await expect.poll(() => kids(first.url, path), { timeout: 2_000, interval: 100 }).toContain(rotated.kid);
      expect((await first.app.keys.signingKey("EdDSA")).kid).toBe(rotated.kid);
    } finally {
      await second.close();
      await first.close();
    }
  }, 60_000);
});
