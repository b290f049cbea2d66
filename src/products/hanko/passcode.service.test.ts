import { randomBytes, randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { ChallengeLookup, ChallengeMessage, ChallengeStore, StoredChallenge } from "../../core/challenge/challenge.port.js";
import { createChallenges } from "../../core/challenge/challenge.service.js";
import type { Clock } from "../../core/clock.js";
import { isDomainError } from "../../core/errors/domain-error.js";
import type { EmailAddress, IdentityStore } from "../../core/identity/identity.port.js";
import { createSecretBox } from "../../core/keys/secret-box.js";
import type { LimitStore } from "../../core/limit/limit.port.js";
import { createLimiter } from "../../core/limit/limit.service.js";
import { createPasscodeService, type PasscodeService } from "./passcode.service.js";

/** The fakes' transaction: which unit of work a write happened in. */
interface FakeTx {
  serial: number;
}

/** Only what the passcode service reads and writes of identities; the rest is not its business. */
function memoryIdentities(emails: EmailAddress[]): IdentityStore<FakeTx> & { verifiedIn: Map<string, FakeTx> } {
  const verifiedIn = new Map<string, FakeTx>();
  const unused = () => Promise.reject(new Error("not used by the passcode service"));
  return {
    verifiedIn,
    findEmail: (userId, emailId) => Promise.resolve(emails.find((email) => email.userId === userId && email.id === emailId)),
    findPrimaryEmail: (userId) => Promise.resolve(emails.find((email) => email.userId === userId && email.primary)),
    markEmailVerified(tx, emailId) {
      const email = emails.find((candidate) => candidate.id === emailId);
      if (email !== undefined) email.verified = true;
      verifiedIn.set(emailId, tx);
      return Promise.resolve();
    },
    insertUserWithEmail: unused,
    findUserByEmail: unused,
    findUserDetails: unused,
    userExists: unused,
    deleteUser: unused,
    listEmails: unused,
    insertEmail: unused,
    setPrimaryEmail: unused,
    deleteNonPrimaryEmail: unused,
  };
}

/** The challenge store as its port describes it, in memory; each unit of work gets a transaction of its own. */
function memoryChallenges(): ChallengeStore<FakeTx> & { messages: ChallengeMessage[]; closedIn: Map<string, FakeTx> } {
  const rows: StoredChallenge[] = [];
  const messages: ChallengeMessage[] = [];
  const closedIn = new Map<string, FakeTx>();
  let serial = 0;
  const sameSubject = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a).equals(Buffer.from(b));
  const isOpen = (row: StoredChallenge, at: Date) => row.closedAt === null && row.expiresAt.getTime() > at.getTime();
  const lookUp = (lookup: ChallengeLookup, openAt?: Date) =>
    rows
      .filter((row) => row.purpose === lookup.purpose && ("id" in lookup ? row.id === lookup.id : sameSubject(row.subject, lookup.subject)))
      .filter((row) => openAt === undefined || isOpen(row, openAt))
      .at(-1);
  const byId = (id: string) => rows.find((row) => row.id === id)!;
  return {
    messages,
    closedIn,
    async insert(challenge, options) {
      if (rows.some((row) => row.id === challenge.id && isOpen(row, options.at))) return undefined;
      if (options.replaceOpen && challenge.subject !== null) {
        for (const row of rows) if (row.purpose === challenge.purpose && sameSubject(row.subject, challenge.subject) && isOpen(row, options.at)) row.closedAt = options.at;
      }
      const stored: StoredChallenge = { ...challenge, attempts: 0, closedAt: null, createdAt: options.at };
      rows.push(stored);
      if (options.message !== undefined) messages.push(options.message);
      await options.alongside?.({ serial: ++serial });
      return { ...stored };
    },
    async withLocked(lookup, work) {
      const found = lookUp(lookup);
      return work({ serial: ++serial }, found === undefined ? undefined : { ...found });
    },
    countWrong(_tx, { id }) {
      const row = byId(id);
      row.attempts += 1;
      return Promise.resolve(row.attempts);
    },
    close(tx, { id }, at) {
      byId(id).closedAt = at;
      closedIn.set(id, tx);
      return Promise.resolve();
    },
    find: (lookup, openAt) => Promise.resolve(lookUp(lookup, openAt)),
    closeOpen(lookup, at) {
      const found = lookUp(lookup, at);
      if (found !== undefined) found.closedAt = at;
      return Promise.resolve(found !== undefined);
    },
  };
}

/** Fixed windows of hits per hashed key, as the limit store's port describes them. */
function memoryLimits(): LimitStore {
  const windows = new Map<string, { hits: number; windowStartedAt: Date }>();
  const name = (tenantId: string, key: Uint8Array) => `${tenantId}:${Buffer.from(key).toString("hex")}`;
  return {
    hit(tenantId, key, at, windowSeconds) {
      const current = windows.get(name(tenantId, key));
      const next =
        current === undefined || at.getTime() - current.windowStartedAt.getTime() >= windowSeconds * 1000 ? { hits: 1, windowStartedAt: at } : { hits: current.hits + 1, windowStartedAt: current.windowStartedAt };
      windows.set(name(tenantId, key), next);
      return Promise.resolve({ ...next });
    },
    refund(tenantId, key) {
      const current = windows.get(name(tenantId, key));
      if (current !== undefined) current.hits -= 1;
      return Promise.resolve();
    },
    current(tenantId, key, at, windowSeconds) {
      const current = windows.get(name(tenantId, key));
      return Promise.resolve(current === undefined || at.getTime() - current.windowStartedAt.getTime() >= windowSeconds * 1000 ? undefined : { ...current });
    },
  };
}

/** "accepted", or the reason of the DomainError refusing; any other error fails the test. */
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
  let identities: ReturnType<typeof memoryIdentities>;
  let challengeStore: ReturnType<typeof memoryChallenges>;
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
    identities = memoryIdentities([
      { id: primary, userId, address: "ada@example.com", verified: false, primary: true },
      { id: secondary, userId, address: "ada@work.example", verified: false, primary: false },
    ]);
    challengeStore = memoryChallenges();
    nudges = 0;
    passcodes = createPasscodeService({
      identities,
      challenges: createChallenges({ store: challengeStore, secrets, clock }),
      limits: createLimiter({ store: memoryLimits(), tenantId: "tenant", secrets, clock }),
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
    expect(await passcodes.finalize(passcode.id, code)).toMatchObject({ id: passcode.id, userId });
    expect(identities.verifiedIn.get(secondary)).toBe(challengeStore.closedIn.get(passcode.id));
    expect(identities.verifiedIn.has(primary)).toBe(false);
    expect(await reasonOf(passcodes.finalize(passcode.id, code))).toBe("PASSCODE_INVALID");
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
    ["a passcode id that is no UUID", () => passcodes.finalize("nope", "123456"), "INVALID_UUID"],
    ["a code of five digits", () => passcodes.finalize(randomUUID(), "12345"), "INVALID_PASSCODE_FORMAT"],
    ["a code with a letter", () => passcodes.finalize(randomUUID(), "12345a"), "INVALID_PASSCODE_FORMAT"],
    ["an unknown passcode", () => passcodes.finalize(randomUUID(), "123456"), "PASSCODE_INVALID"],
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
    expect(await reasonOf(passcodes.finalize(passcode.id, code))).toBe("PASSCODE_EXPIRED");
    expect(identities.verifiedIn.size).toBe(0);
    // A passcode issued later still answers until its own expiry.
    expect(await reasonOf(passcodes.finalize(early.id, earlyCode))).toBe("accepted");
  });

  it("burns a passcode at the third wrong code: the right one is refused after", async () => {
    const passcode = await passcodes.initialize(userId, "");
    const { code } = lastCode();
    expect(await reasonOf(passcodes.finalize(passcode.id, wrongFor(code)))).toBe("PASSCODE_INVALID");
    expect(await reasonOf(passcodes.finalize(passcode.id, wrongFor(code)))).toBe("PASSCODE_INVALID");
    expect(await reasonOf(passcodes.finalize(passcode.id, wrongFor(code)))).toBe("PASSCODE_EXHAUSTED");
    expect(await reasonOf(passcodes.finalize(passcode.id, code))).toBe("PASSCODE_EXHAUSTED");
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
      for (let tries = 0; tries < 3 && wrong < 20; tries += 1, wrong += 1) await reasonOf(passcodes.finalize(passcode.id, wrongFor(code)));
      now += 61_000;
    }
    const sent = challengeStore.messages.length;
    expect(await reasonOf(passcodes.initialize(userId, ""))).toBe("TOO_MANY_ATTEMPTS");
    expect(challengeStore.messages.length).toBe(sent);
    expect(await reasonOf(passcodes.finalize(spare.id, spareCode))).toBe("TOO_MANY_ATTEMPTS");
    now = Date.UTC(2026, 11, 3, 12);
    const tomorrow = await passcodes.initialize(userId, "");
    expect(await reasonOf(passcodes.finalize(tomorrow.id, lastCode().code))).toBe("accepted");
  });
});
