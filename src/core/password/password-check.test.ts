import { hash as bcryptHash } from "@node-rs/bcrypt";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox } from "../keys/secret-box.js";
import { createPasswordCheck } from "./password-check.js";
import { hashPassword } from "./password-hash.js";
import type { PasswordHashStore } from "./password.port.js";
import { verifyPasswordHash } from "./password-verify.js";

// The one password check over an in-memory store: a legacy hash is replaced by argon2id on a
// match only, and the replacement never overwrites a hash that changed since it was read.

function memoryStore(hashes: Map<string, string>) {
  const replaced: string[] = [];
  let beforeReplace: () => void = () => {};
  const store: PasswordHashStore = {
    async findPasswordHash(userId) {
      return hashes.get(userId);
    },
    async replacePasswordHash(userId, previous, next) {
      beforeReplace();
      replaced.push(userId);
      if (hashes.get(userId) !== previous) return false;
      hashes.set(userId, next);
      return true;
    },
    async countHashSchemes() {
      return [];
    },
  };
  return { store, secrets: createSecretBox(randomBytes(32)), replaced, onReplace: (hook: () => void) => (beforeReplace = hook) };
}

describe("PasswordCheck", () => {
  it("replaces a matching bcrypt hash by Tessera's argon2id, which the password then verifies", async () => {
    const hashes = new Map([["ada", await bcryptHash("old secret", 10)]]);
    const check = createPasswordCheck(memoryStore(hashes));
    expect(await check.check("ada", "old secret")).toBe("matches");
    expect(hashes.get("ada")).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPasswordHash(hashes.get("ada"), "old secret")).toEqual({ matches: true, needsRehash: false });
  });

  it("leaves a legacy hash alone on a wrong password", async () => {
    const legacy = await bcryptHash("old secret", 10);
    const hashes = new Map([["ada", legacy]]);
    const memory = memoryStore(hashes);
    expect(await createPasswordCheck(memory).check("ada", "a guess")).toBe("wrong");
    expect(hashes.get("ada")).toBe(legacy);
    expect(memory.replaced).toEqual([]);
  });

  it("does not rewrite a hash that is already Tessera's argon2id", async () => {
    const current = await hashPassword("secret");
    const memory = memoryStore(new Map([["ada", current]]));
    expect(await createPasswordCheck(memory).check("ada", "secret")).toBe("matches");
    expect(memory.replaced).toEqual([]);
  });

  it("answers no_password for a user without a hash and for an unknown user", async () => {
    const check = createPasswordCheck(memoryStore(new Map()));
    expect(await check.check("ada", "anything")).toBe("no_password");
    expect(await check.check(undefined, "anything")).toBe("no_password");
  });

  // A password changed (or reset by an operator) while a login with the old one was verifying
  // must not be replaced by the upgrade of the old password.
  // The old password is then refused: it is no longer the user's.
  it("does not overwrite a hash changed between the check and the upgrade, and refuses the old password", async () => {
    const hashes = new Map([["ada", await bcryptHash("old secret", 10)]]);
    const memory = memoryStore(hashes);
    const changed = await hashPassword("new secret");
    memory.onReplace(() => hashes.set("ada", changed));
    expect(await createPasswordCheck(memory).check("ada", "old secret")).toBe("wrong");
    expect(hashes.get("ada")).toBe(changed);
  });

  it("fails the check when the upgrade cannot be written", async () => {
    const memory = memoryStore(new Map([["ada", await bcryptHash("old secret", 10)]]));
    memory.onReplace(() => {
      throw new Error("database unavailable");
    });
    await expect(createPasswordCheck(memory).check("ada", "old secret")).rejects.toThrow("database unavailable");
  });
});
