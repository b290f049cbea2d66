import { randomBytes, randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { createChallenges, type Challenges } from "../../core/challenge/challenge.service.js";
import type { Clock } from "../../core/clock.js";
import { createSecretBox } from "../../core/keys/secret-box.js";
import { challengeTables, memoryChallengeStore, type ChallengeTables } from "../../../test/fakes/memory-challenge-store.js";
import { memoryTransactions, type MemoryTx } from "../../../test/fakes/memory-transactions.js";
import type { AuthenticatedToken } from "./access-token.service.js";
import type { LockedToken, TokenStepStore } from "./authenticator.port.js";
import { answerCode } from "./code.js";
import { codePolicy } from "./policy.js";

// The code a pending token waits for, over in-memory fakes of the challenge store and of the
// Authenticator port, with a clock the tests move: no database, no sleeping.

interface TokenRecord extends LockedToken {
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/** The fakes' tables: the challenge store's and the tokens', written in the same units of work. */
interface Tables extends ChallengeTables {
  tokens: Map<string, TokenRecord>;
}

type Tx = MemoryTx<Tables>;

function memoryDatabase(clock: Clock) {
  const transactions = memoryTransactions<Tables>({ ...challengeTables(), tokens: new Map() });
  const challenges = memoryChallengeStore(transactions);
  const tokens: TokenStepStore<Tx> = {
    async lockLiveToken(tx, tokenId, at) {
      const token = tx.tables.tokens.get(tokenId);
      if (token === undefined || token.usedAt !== null || token.revokedAt !== null || token.expiresAt <= at) return undefined;
      return { tokenId: token.tokenId, userId: token.userId, state: token.state };
    },
    async markTokenUsed(tx, tokenId) {
      tx.tables.tokens.get(tokenId)!.usedAt = clock.now();
    },
    async revokeToken(tx, tokenId) {
      const token = tx.tables.tokens.get(tokenId)!;
      token.revokedAt ??= clock.now();
    },
    async revokeOtherTokens(tx, userId, keptId) {
      for (const token of tx.tables.tokens.values()) if (token.userId === userId && token.tokenId !== keptId && token.usedAt === null) token.revokedAt ??= clock.now();
    },
  };
  return {
    challenges,
    tokens,
    /** What is committed now. */
    get tables(): Tables {
      return transactions.committed;
    },
  };
}

const secrets = createSecretBox(randomBytes(32));
let at: Date;
const clock: Clock = { now: () => at };
let database: ReturnType<typeof memoryDatabase>;
let challenges: Challenges<Tx>;
let token: AuthenticatedToken;
let code: string;
let successes: number;

/** The other 6-digit code: a wrong answer. */
const wrong = () => (code === "000000" ? "111111" : "000000");
const challengeOf = () => database.challenges.stored({ purpose: codePolicy.purpose, id: token.tokenId })!;
const tokenOf = () => database.tables.tokens.get(token.tokenId)!;

/** Answers `answer` for the token; success answers the id of the user the token was locked for. */
function answer(answer: string, alternative?: () => Promise<boolean>) {
  return answerCode({ challenges, tokens: database.tokens, clock }, token, answer, {
    ...(alternative === undefined ? {} : { alternative }),
    async onSuccess(_tx, live) {
      successes += 1;
      return live.userId;
    },
  });
}

beforeEach(async () => {
  at = new Date("2026-12-01T00:00:00Z");
  database = memoryDatabase(clock);
  challenges = createChallenges({ store: database.challenges, secrets, clock });
  successes = 0;
  const userId = randomUUID();
  token = { tokenId: randomUUID(), userId, state: "identified", clientId: "client", expiresAt: new Date(at.getTime() + 900_000) };
  const issued = await challenges.issue(codePolicy, {
    id: token.tokenId,
    userId,
    async alongside(tx) {
      tx.tables.tokens.set(token.tokenId, { tokenId: token.tokenId, userId, state: "identified", expiresAt: token.expiresAt, usedAt: null, revokedAt: null });
    },
  });
  code = issued.secret!;
});

describe("answering the code a token waits for", () => {
  it("refuses a wrong code as INVALID_CODE and counts it, the token staying live", async () => {
    await expect(answer(wrong())).rejects.toMatchObject({ reason: "INVALID_CODE" });
    expect(challengeOf().attempts).toBe(1);
    expect(challengeOf().closedAt).toBeNull();
    expect(tokenOf()).toMatchObject({ usedAt: null, revokedAt: null });
    expect(successes).toBe(0);
  });

  it("takes the right code once: the token is used up, the same code again is INVALID_TOKEN", async () => {
    await expect(answer(code)).resolves.toBe(token.userId);
    expect(tokenOf().usedAt).toEqual(at);
    expect(challengeOf().closedAt).toEqual(at);
    await expect(answer(code)).rejects.toMatchObject({ reason: "INVALID_TOKEN" });
    expect(successes).toBe(1);
  });

  it("takes the right code after wrong ones below the limit", async () => {
    for (let i = 0; i < codePolicy.maxAttempts - 1; i++) await expect(answer(wrong())).rejects.toMatchObject({ reason: "INVALID_CODE" });
    await expect(answer(code)).resolves.toBe(token.userId);
    expect(challengeOf().attempts).toBe(codePolicy.maxAttempts - 1);
  });

  it("burns the challenge and revokes the token at the fifth wrong code; the right one no longer answers", async () => {
    for (let i = 0; i < codePolicy.maxAttempts - 1; i++) await expect(answer(wrong())).rejects.toMatchObject({ reason: "INVALID_CODE" });
    expect(tokenOf().revokedAt).toBeNull();
    await expect(answer(wrong())).rejects.toMatchObject({ reason: "INVALID_CODE" });
    expect(tokenOf().revokedAt).toEqual(at);
    expect(challengeOf()).toMatchObject({ attempts: codePolicy.maxAttempts, closedAt: at });
    await expect(answer(code)).rejects.toMatchObject({ reason: "INVALID_TOKEN" });
    expect(challengeOf().attempts).toBe(codePolicy.maxAttempts);
    expect(successes).toBe(0);
  });

  it("refuses the delivered code after 300 s (counted), while a TOTP alternative still answers", async () => {
    at = new Date(at.getTime() + codePolicy.secretTtlSeconds * 1000);
    await expect(answer(code)).rejects.toMatchObject({ reason: "INVALID_CODE" });
    expect(challengeOf().attempts).toBe(1);
    await expect(answer(code, async () => true)).resolves.toBe(token.userId);
    expect(tokenOf().usedAt).toEqual(at);
  });

  it("takes the delivered code a millisecond before its 300 s are up", async () => {
    at = new Date(at.getTime() + codePolicy.secretTtlSeconds * 1000 - 1);
    await expect(answer(code)).resolves.toBe(token.userId);
  });

  it("refuses any answer once the challenge expired (900 s) as INVALID_TOKEN, without counting it", async () => {
    at = new Date(at.getTime() + codePolicy.ttlSeconds * 1000);
    await expect(answer(code, async () => true)).rejects.toMatchObject({ reason: "INVALID_TOKEN" });
    expect(challengeOf().attempts).toBe(0);
    expect(successes).toBe(0);
  });

  it("refuses the right code for a token revoked meanwhile as INVALID_TOKEN, and rolls the answer back", async () => {
    tokenOf().revokedAt = at;
    await expect(answer(code)).rejects.toMatchObject({ reason: "INVALID_TOKEN" });
    expect(challengeOf()).toMatchObject({ attempts: 0, closedAt: null });
    expect(successes).toBe(0);
  });

  it.each(["12345", "1234567", "12345a", "", " 123456"])("refuses %j as INVALID_FIELD without counting it", async (malformed) => {
    await expect(answer(malformed)).rejects.toMatchObject({ reason: "INVALID_FIELD" });
    expect(challengeOf().attempts).toBe(0);
  });
});
