import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox } from "../keys/secret-box.js";
import { createDecoyHashes, decoyRefreshMs } from "./decoy-hashes.js";

// The decoy of a lookup key follows the tenant's schemes, weighted by users, and is stable.
describe("decoy hashes", () => {
  const secrets = createSecretBox(randomBytes(32));
  it("picks the same decoy for the same key, in proportion to the users of each scheme", async () => {
    const decoys = createDecoyHashes({ schemes: async () => [{ scheme: "2b$04", users: 3 }, { scheme: "pbkdf2-sha256$i=10000", users: 1 }], secrets });
    const keys = Array.from({ length: 200 }, (_, index) => `user${index}@example.com`);
    const picked = await Promise.all(keys.map(async (key) => (await decoys.decoyFor(key)).algorithm));
    expect(await Promise.all(keys.map(async (key) => (await decoys.decoyFor(key)).algorithm))).toEqual(picked);
    const bcryptShare = picked.filter((algorithm) => algorithm === "bcrypt").length / picked.length;
    expect({ bcryptShare, between: bcryptShare > 0.6 && bcryptShare < 0.9 }).toMatchObject({ between: true });
  });

  it("reads the schemes again after the refresh period", async () => {
    let now = 0;
    let schemes = [{ scheme: "2b$04", users: 1 }];
    const decoys = createDecoyHashes({ schemes: async () => schemes, secrets, now: () => now });
    expect((await decoys.decoyFor("ada")).algorithm).toBe("bcrypt");
    schemes = [{ scheme: "pbkdf2-sha512$i=10000", users: 1 }];
    now = decoyRefreshMs - 1;
    expect((await decoys.decoyFor("ada")).algorithm).toBe("bcrypt");
    now = decoyRefreshMs;
    await decoys.decoyFor("ada");
    await new Promise((resolve) => setImmediate(resolve));
    expect((await decoys.decoyFor("ada")).algorithm).toBe("pbkdf2-sha512");
  });
});
