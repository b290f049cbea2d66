import { randomBytes, randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { createChallenges } from "../../core/challenge/challenge.service.js";
import type { Clock } from "../../core/clock.js";
import { isDomainError } from "../../core/errors/domain-error.js";
import { createSecretBox } from "../../core/keys/secret-box.js";
import { createLimiter } from "../../core/limit/limit.service.js";
import { memoryChallengeStore, type ChallengeTables, type MemoryChallengeStore } from "../../../test/fakes/memory-challenge-store.js";
import { memoryIdentityStore, type MemoryIdentityStore } from "../../../test/fakes/memory-identity-store.js";
import { memoryLimitStore } from "../../../test/fakes/memory-limit-store.js";
import type { MemoryTx } from "../../../test/fakes/memory-transactions.js";
import { createPasscodeService, type PasscodeService } from "./passcode.service.js";

/** "accepted", or the reason of the DomainError refusing; any other error fails the test. */
/** Stands for the session the handler issues: what finalize answers beside the passcode. */
const sessionOf = async (userId: string) => `session of ${userId}`;
const reasonOf = (promise: Promise<unknown>): Promise<string> => promise.then(
  () => "accepted",
  (error: unknown) => (isDomainError(error) ? error.reason : Promise.reject(error)),
);

describe("Hanko passcodes over in-memory ports", () => {
  const userId = randomUUID();
  const primary = randomUUID();
  const secondary = randomUUID();
  let now = Date.UTC(2026, 11, 2, 12);
  const clock: Clock = { now: () => new Date(now) };
  let identities: MemoryIdentityStore<MemoryTx<ChallengeTables>>;
  let challengeStore: MemoryChallengeStore;
  let nudges: number;
  let passcodes: PasscodeService;

  /** The code in the last message, and to whom it went. */
  const lastCode = () => {
    const message = challengeStore.messages.at(-1)!;
    return { recipient: message.recipient, code: /\b(\d{6})\b/.exec(message.body)![1]! };
  };
  /** A six-digit code other than `code`. */
  const wrongFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

  beforeEach(() => {
    now = Date.UTC(2026, 11, 2, 12);
    const secrets = createSecretBox(randomBytes(32));
    identities = memoryIdentityStore([
      { id: primary, userId, address: "ada@example.com", verified: false, primary: true },
      { id: secondary, userId, address: "ada@work.example", verified: false, primary: false },
    ]);
    challengeStore = memoryChallengeStore();
    nudges = 0;
    passcodes = createPasscodeService({
      identities,
      challenges: createChallenges({ store: challengeStore, secrets, clock }),
      limits: createLimiter({ store: memoryLimitStore(), tenantId: "tenant", secrets, clock }),
      nudgeOutbox: () => void (nudges += 1),
    });
  });

  it("mails a code to the primary address, or to the one named, and wakes the outbox", async () => {
    const first = await passcodes.initialize(userId, "");
    expect(first).toMatchObject({ userId, ttlSeconds: 300, createdAt: new Date(now) });
    expect(lastCode().recipient).toBe("ada@example.com");
    await passcodes.initialize(userId, secondary);
    expect(lastCode().recipient).toBe("ada@work.example");
    expect(nudges).toBe(2);
  });

  it("answers the right code once, and marks its address verified in the passcode's own transaction", async () => {
    const passcode = await passcodes.initialize(userId, secondary);
    const { code } = lastCode();
    expect(await passcodes.finalize(passcode.id, code, sessionOf)).toMatchObject({ passcode: { id: passcode.id, userId }, issued: `session of ${userId}` });
    const closed = challengeStore.writes.find((write) => write.op === "close" && write.key.id === passcode.id);
    expect(closed).toBeDefined();
    expect(identities.verifiedIn.get(secondary)).toBe(closed?.tx);
    expect(identities.verifiedIn.has(primary)).toBe(false);
    expect(await reasonOf(passcodes.finalize(passcode.id, code, sessionOf))).toBe("PASSCODE_INVALID");
  });

  it.each([
    ["an unknown user", () => randomUUID(), () => ""],
    ["another user's address", () => randomUUID(), () => primary],
    ["an unknown address", () => userId, () => randomUUID()],
  ])("sends nothing for %s", async (_case, user, email) => {
    expect(await reasonOf(passcodes.initialize(user(), email()))).toBe("UNKNOWN_USER");
    expect(challengeStore.messages).toHaveLength(0);
  });

  it.each([
    ["a user id that is no UUID", () => passcodes.initialize("nope", ""), "INVALID_UUID"],
    ["an email id that is no UUID", () => passcodes.initialize(userId, "nope"), "INVALID_UUID"],
    ["a passcode id that is no UUID", () => passcodes.finalize("nope", "123456", sessionOf), "INVALID_UUID"],
    ["a code of five digits", () => passcodes.finalize(randomUUID(), "12345", sessionOf), "INVALID_PASSCODE_FORMAT"],
    ["a code with a letter", () => passcodes.finalize(randomUUID(), "12345a", sessionOf), "INVALID_PASSCODE_FORMAT"],
    ["an unknown passcode", () => passcodes.finalize(randomUUID(), "123456", sessionOf), "PASSCODE_INVALID"],
  ])("refuses %s", async (_case, call, reason) => {
    expect(await reasonOf(call())).toBe(reason);
  });

  it("sends five passcodes a minute per user, and five more once the minute is over", async () => {
    for (let sent = 0; sent < 5; sent += 1) await passcodes.initialize(userId, "");
    expect(await reasonOf(passcodes.initialize(userId, ""))).toBe("PASSCODE_RATE_LIMITED");
    expect(challengeStore.messages).toHaveLength(5);
    now += 59_000;
    expect(await reasonOf(passcodes.initialize(userId, ""))).toBe("PASSCODE_RATE_LIMITED");
    now += 1_000;
    expect(await reasonOf(passcodes.initialize(userId, ""))).toBe("accepted");
  });

  it("refuses the right code once the passcode expired, and verifies nothing", async () => {
    const passcode = await passcodes.initialize(userId, "");
    const { code } = lastCode();
    now += 299_000;
    const early = await passcodes.initialize(userId, "");
    const earlyCode = lastCode().code;
    now += 1_000;
    expect(await reasonOf(passcodes.finalize(passcode.id, code, sessionOf))).toBe("PASSCODE_EXPIRED");
    expect(identities.verifiedIn.size).toBe(0);
    // A passcode issued later still answers until its own expiry.
    expect(await reasonOf(passcodes.finalize(early.id, earlyCode, sessionOf))).toBe("accepted");
  });

  it("burns a passcode at the third wrong code: the right one is refused after", async () => {
    const passcode = await passcodes.initialize(userId, "");
    const { code } = lastCode();
    expect(await reasonOf(passcodes.finalize(passcode.id, wrongFor(code), sessionOf))).toBe("PASSCODE_INVALID");
    expect(await reasonOf(passcodes.finalize(passcode.id, wrongFor(code), sessionOf))).toBe("PASSCODE_INVALID");
    expect(await reasonOf(passcodes.finalize(passcode.id, wrongFor(code), sessionOf))).toBe("PASSCODE_EXHAUSTED");
    expect(await reasonOf(passcodes.finalize(passcode.id, code, sessionOf))).toBe("PASSCODE_EXHAUSTED");
    expect(identities.verifiedIn.size).toBe(0);
  });

  it("stops a user's guesses at 20 wrong codes a day across passcodes, the right code included, and sends no passcode until the day is over", async () => {
    // Issued before the cap is used up: its right code is refused after.
    const spare = await passcodes.initialize(userId, "");
    const spareCode = lastCode().code;
    let wrong = 0;
    while (wrong < 20) {
      const passcode = await passcodes.initialize(userId, "");
      const { code } = lastCode();
      for (let tries = 0; tries < 3 && wrong < 20; tries += 1, wrong += 1) await reasonOf(passcodes.finalize(passcode.id, wrongFor(code), sessionOf));
      now += 61_000;
    }
    const sent = challengeStore.messages.length;
    expect(await reasonOf(passcodes.initialize(userId, ""))).toBe("TOO_MANY_ATTEMPTS");
    expect(challengeStore.messages.length).toBe(sent);
    expect(await reasonOf(passcodes.finalize(spare.id, spareCode, sessionOf))).toBe("TOO_MANY_ATTEMPTS");
    now = Date.UTC(2026, 11, 3, 12);
    const tomorrow = await passcodes.initialize(userId, "");
    expect(await reasonOf(passcodes.finalize(tomorrow.id, lastCode().code, sessionOf))).toBe("accepted");
  });
});
