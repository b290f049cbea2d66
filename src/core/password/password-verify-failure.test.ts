import { randomBytes } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { createSecretBox } from "../keys/secret-box.js";
import { createPasswordCheck } from "./password-check.js";
import { verifyPasswordHash } from "./password-verify.js";

// A stored hash that decodes but that its library refuses to verify (a library upgrade, a format
// corner the import let through) must answer no match, never throw into a 500, and be logged
// without the hash or the password. bcrypt's verifier is made to throw here.
vi.mock("@node-rs/bcrypt", () => ({ verify: () => Promise.reject(new Error("Invalid hash")) }));

const stored = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";

describe("a verifier that throws", () => {
  it("is no match, with the algorithm that failed", async () => {
    expect(await verifyPasswordHash(stored, "rasmuslerdorf")).toEqual({ matches: false, needsRehash: false, failed: "bcrypt" });
  });

  it("is a wrong password for the check, logged with the algorithm only", async () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger = { debug() {}, info() {}, infoJson() {}, error() {}, warn: (message: string, fields?: Record<string, unknown>) => void lines.push([message, fields]) };
    const store = { findPasswordHash: async () => stored, replacePasswordHash: async () => true, countHashSchemes: async () => [] };
    expect(await createPasswordCheck({ store, secrets: createSecretBox(randomBytes(32)), logger }).check("ada", "secret typed")).toBe("wrong");
    expect(lines).toEqual([["a stored password hash could not be verified", { algorithm: "bcrypt", userId: "ada" }]]);
    expect(JSON.stringify(lines)).not.toMatch(/vGA1O9|secret typed/);
  });
});
