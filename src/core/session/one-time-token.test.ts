import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Clock } from "../clock.js";
import { isDomainError } from "../errors/domain-error.js";
import { createSecretBox } from "../keys/secret-box.js";
import type { OneTimeTokenStore } from "./one-time-token.port.js";
import { createOneTimeTokens } from "./one-time-token.js";

function memoryStore(): OneTimeTokenStore & { rows: Array<{ userId: string; valueHash: Buffer; expiresAt: Date; usedAt?: Date }> } {
  const rows: Array<{ userId: string; valueHash: Buffer; expiresAt: Date; usedAt?: Date }> = [];
  return {
    rows,
    insert: (token) => Promise.resolve(void rows.push({ ...token })),
    consume(valueHash, at) {
      const row = rows.find((candidate) => candidate.valueHash.equals(valueHash) && candidate.usedAt === undefined && candidate.expiresAt > at);
      if (row !== undefined) row.usedAt = at;
      return Promise.resolve(row?.userId);
    },
    findLive(valueHash, at) {
      const row = rows.find((candidate) => candidate.valueHash.equals(valueHash) && candidate.usedAt === undefined && candidate.expiresAt > at);
      return Promise.resolve(row === undefined ? undefined : { userId: row.userId, expiresAt: row.expiresAt });
    },
  };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    return `accepted ${String(await promise)}`;
  } catch (error) {
    if (isDomainError(error)) return error.reason;
    throw error;
  }
}

describe("one-time login tokens", () => {
  const secrets = createSecretBox(randomBytes(32));
  let now = Date.UTC(2026, 11, 1);
  const clock: Clock = { now: () => new Date(now) };

  it("exchanges a token once for its user, and stores only its HMAC", async () => {
    const store = memoryStore();
    const tokens = createOneTimeTokens({ store, secrets, clock });
    const value = await tokens.issue("user-1", 60);
    expect(store.rows.map((row) => row.valueHash.toString("base64url"))).not.toContain(value);
    expect(await reasonOf(tokens.consume(value))).toBe("accepted user-1");
    // A replayed token is refused: single use.
    expect(await reasonOf(tokens.consume(value))).toBe("TOKEN_INVALID");
  });

  it("refuses a token once its time is up, and one never issued", async () => {
    const tokens = createOneTimeTokens({ store: memoryStore(), secrets, clock });
    const value = await tokens.issue("user-1", 60);
    now += 60_000;
    expect(await reasonOf(tokens.consume(value))).toBe("TOKEN_INVALID");
    expect(await reasonOf(tokens.consume(randomBytes(32).toString("base64url")))).toBe("TOKEN_INVALID");
  });

  it("finds a live token without using it, and nothing once it is used or expired", async () => {
    const tokens = createOneTimeTokens({ store: memoryStore(), secrets, clock });
    const value = await tokens.issue("user-2", 60);
    expect(await tokens.find(value)).toEqual({ userId: "user-2", expiresAt: new Date(now + 60_000) });
    expect(await reasonOf(tokens.consume(value))).toBe("accepted user-2");
    expect(await tokens.find(value)).toBeUndefined();
    const later = await tokens.issue("user-2", 60);
    now += 60_000;
    expect(await tokens.find(later)).toBeUndefined();
    expect(await tokens.find("not a token!")).toBeUndefined();
  });

  it("refuses what cannot be a token before looking it up", async () => {
    const tokens = createOneTimeTokens({ store: memoryStore(), secrets, clock });
    expect(await Promise.all(["", "short", "not base64url!!!!!!!!", "a".repeat(129)].map((value) => reasonOf(tokens.consume(value))))).toEqual(Array(4).fill("INVALID_TOKEN_FORMAT"));
  });
});
