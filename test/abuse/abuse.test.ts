import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { abuseEnv, attemptUses, capUses, challengeUses, queued, sendUses, totpUses, type Answer, type AttemptUse, type CapUse, type ChallengeUse, type SendUse, type TotpUse, type Via } from "./uses.js";

// One table of abuse cases, run against every use of the challenge and limit mechanics in every
// product, over REST and every RPC transport: a guarantee that holds in one API holds in all.

let server: TestServer;
/** The server's clock: the real time plus what a case moved it on (a limit's window passing). */
let offset = 0;
const clock: Clock = { now: () => new Date(Date.now() + offset) };

beforeAll(async () => {
  server = await startTestServer(abuseEnv, { clock });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

const wrongOf = (secret: string) => String((Number(secret) + 1) % 1_000_000).padStart(6, "0");
const vias: Via[] = ["rest", ...rpcTransports];

/** Cases every one-time secret challenge must pass. */
const challengeCases: Array<[string, (use: ChallengeUse, via: Via) => Promise<void>]> = [
  // Guessing: the limit's wrong answers are each refused, and then even the right secret is.
  ["refuses wrong secrets up to the limit, then the right one too (burned)", async (use, via) => {
    const challenge = await use.start(server, via);
    for (let i = 0; i < use.maxWrong; i++) expect((await challenge.answer(wrongOf(challenge.secret))).ok).toBe(false);
    expect((await challenge.answer(challenge.secret)).ok).toBe(false);
  }],
  ["refuses the right secret once expired", async (use, via) => {
    const challenge = await use.start(server, via);
    await challenge.expire();
    expect((await challenge.answer(challenge.secret)).ok).toBe(false);
  }],
  // Replay: a secret is used up by its first right answer.
  ["accepts the right secret once, then refuses it (single use)", async (use, via) => {
    const challenge = await use.start(server, via);
    expect((await challenge.answer(challenge.secret)).ok).toBe(true);
    expect((await challenge.answer(challenge.secret)).ok).toBe(false);
  }],
  // A parallel burst of guesses: every one is counted, none slips past the limit uncounted.
  ["counts a concurrent burst of 20 wrong secrets: the right one is refused after it", async (use, via) => {
    const challenge = await use.start(server, via);
    const answers = await Promise.all(Array.from({ length: 20 }, () => challenge.answer(wrongOf(challenge.secret))));
    expect(answers.filter((answer) => answer.ok)).toEqual([]);
    expect((await challenge.answer(challenge.secret)).ok).toBe(false);
  }],
  // The same burst, exactly the limit's size: it trips no outer limit, so only the per-challenge
  // count stops it; a lost update there would leave the count short and the right secret working.
  ["counts an exactly limit-sized concurrent burst of wrong secrets in full: the count reaches the limit, the right one is refused", async (use, via) => {
    const challenge = await use.start(server, via);
    const answers = await Promise.all(Array.from({ length: use.maxWrong }, () => challenge.answer(wrongOf(challenge.secret))));
    expect(answers.filter((answer) => answer.ok)).toEqual([]);
    expect(answers.filter((answer) => answer.limited)).toEqual([]);
    expect((await challenge.answer(challenge.secret)).ok).toBe(false);
    const rows = await server.app.database.db.selectFrom("challenges").select(["attempts", "max_attempts"]).where("id", "=", challenge.id).execute();
    expect(rows).toEqual([{ attempts: use.maxWrong, max_attempts: use.maxWrong }]);
  }],
];

/** Where a challenge's caller names an account: the known and the unknown answer alike, or as the API documents. */
const namingUses = challengeUses.flatMap((use) => (use.naming === undefined ? [] : [{ name: use.name, ...use.naming }]));
const form = (answers: Answer[]) => answers.map((answer) => ({ shape: answer.shape, fields: answer.fields }));
const namingCases: Array<[string, (use: (typeof namingUses)[number], via: Via) => Promise<void>, (use: (typeof namingUses)[number]) => boolean]> = [
  // Account enumeration: status, body and fields of the answers are the same (their values hold ids).
  ["answers an unknown account exactly as a known one", async (use, via) => {
    const { known, unknown } = await use.steps(server, via);
    expect(form(unknown)).toEqual(form(known));
  }, (use) => use.documented === undefined],
  ["answers an unknown account as the API documents it", async (use, via) => {
    const { known, unknown } = await use.steps(server, via);
    expect(known.map((answer) => answer.shape)).toEqual(use.documented?.known(via));
    expect(unknown.map((answer) => answer.shape)).toEqual(use.documented?.unknown(via));
  }, (use) => use.documented !== undefined],
];

/** Cases every attempt limit on a password must pass. */
const attemptCases: Array<[string, (use: AttemptUse, via: Via) => Promise<void>]> = [
  // Password guessing, and account enumeration: an unknown account answers exactly alike.
  ["refuses the attempt after the limit's wrong passwords, known and unknown accounts alike, the right password too, until the window passes", async (use, via) => {
    const account = await use.start(server, via);
    const known: Answer[] = [];
    const unknown: Answer[] = [];
    for (let i = 0; i < use.max; i++) {
      known.push(await account.tryPassword(`wrong password ${i}`));
      unknown.push(await account.tryUnknown(`wrong password ${i}`));
    }
    expect(known.map((answer) => answer.ok)).toEqual(Array(use.max).fill(false));
    expect(known.map((answer) => answer.limited)).toEqual(Array(use.max).fill(false));
    expect(unknown.map((answer) => answer.shape)).toEqual(known.map((answer) => answer.shape));
    const lockedKnown = await account.tryPassword("wrong again");
    const lockedUnknown = await account.tryUnknown("wrong again");
    expect(lockedKnown.limited).toBe(true);
    expect(lockedUnknown.shape).toEqual(lockedKnown.shape);
    expect((await account.tryPassword(account.password)).limited).toBe(true);
    offset += (use.windowSeconds + 1) * 1000;
    expect((await account.tryPassword(account.password)).ok).toBe(true);
  }],
  // A parallel burst of guesses: at most the limit's attempts are checked.
  ["checks at most the limit's attempts of a concurrent burst of 20 wrong passwords", async (use, via) => {
    const account = await use.start(server, via);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => account.tryPassword(`burst password ${i}`)));
    expect(answers.filter((answer) => answer.ok)).toEqual([]);
    expect(answers.filter((answer) => !answer.limited).length).toBeLessThanOrEqual(use.max);
    expect(answers.filter((answer) => answer.limited).length).toBeGreaterThanOrEqual(20 - use.max);
  }],
  ["does not count right passwords", async (use, via) => {
    const account = await use.start(server, via);
    for (let i = 0; i < use.max + 2; i++) expect((await account.tryPassword(account.password)).ok).toBe(true);
  }],
];

/** Cases every cap on wrong answers across challenges must pass. */
const capCases: Array<[string, (use: CapUse, via: Via) => Promise<void>]> = [
  // Starting over buys no guesses: new challenges answer the cap's refusal, the right secret too.
  ["refuses once the cap's wrong answers across challenges are spent, the right secret of a new challenge too, until the window passes", async (use, via) => {
    const account = await use.start(server, via, (ms) => (offset += ms));
    const answers: Answer[] = [];
    for (let i = 0; i < use.max; i++) answers.push(await account.wrong());
    expect(answers.map((answer) => answer.ok)).toEqual(Array(use.max).fill(false));
    expect(answers.map((answer) => answer.limited)).toEqual(Array(use.max).fill(false));
    expect((await account.wrong()).limited).toBe(true);
    expect((await account.right()).limited).toBe(true);
    offset += (use.windowSeconds + 1) * 1000;
    expect((await account.right()).ok).toBe(true);
  }],
];

/** A 6-digit code that is not `code`. */
const otherCode = (code: string) => (code === "000000" ? "111111" : "000000");

/** Cases every TOTP use must pass. */
const totpCases: Array<[string, (use: TotpUse, via: Via) => Promise<void>]> = [
  ["refuses wrong codes up to the limit, then the right one too", async (use, via) => {
    const account = await use.start(server, via, clock.now);
    for (let i = 0; i < use.maxWrong; i++) expect((await account.answer(otherCode(account.code()))).ok).toBe(false);
    expect((await account.answer(account.code())).ok).toBe(false);
  }],
  // A code seen once is spent for its step, on any challenge of the account.
  ["accepts the right code once, then refuses it in the same step", async (use, via) => {
    const account = await use.start(server, via, clock.now);
    const code = account.code();
    expect((await account.answer(code)).ok).toBe(true);
    const again = await account.again();
    expect((await again(code)).ok).toBe(false);
  }],
  ["accepts exactly one of a concurrent burst of 10 right codes", async (use, via) => {
    const account = await use.start(server, via, clock.now);
    const code = account.code();
    const answers = await Promise.all(Array.from({ length: 10 }, () => account.answer(code)));
    expect(answers.filter((answer) => answer.ok)).toHaveLength(1);
  }],
];

/** Cases every send limit must pass. */
const sendCases: Array<[string, (use: SendUse, via: Via) => Promise<void>]> = [
  // A mail bomb: a parallel burst for one recipient sends at most the limit.
  ["sends at most the limit of a concurrent burst of 50 for one recipient", async (use, via) => {
    const target = await use.start(server, via);
    const answers = await Promise.all(Array.from({ length: 50 }, () => target.send()));
    expect(answers.filter((answer) => answer.ok).length).toBeLessThanOrEqual(use.max);
    expect(answers.filter((answer) => answer.limited).length).toBeGreaterThanOrEqual(50 - use.max);
    expect(await queued(server, target.recipient)).toBeLessThanOrEqual(use.max);
  }],
  ["lets a burst of the limit through, sequentially, then refuses until the window passes", async (use, via) => {
    const target = await use.start(server, via);
    for (let i = 0; i < use.max; i++) expect((await target.send()).ok).toBe(true);
    expect((await target.send()).limited).toBe(true);
    offset += 3600_000;
    expect((await target.send()).ok).toBe(true);
  }],
];

for (const via of vias) {
  describe(`abuse over ${via}`, () => {
    for (const use of challengeUses) for (const [name, run] of challengeCases) it(`${use.name}: ${name}`, () => run(use, via));
    for (const use of namingUses) for (const [name, run, applies] of namingCases) if (applies(use)) it(`${use.name}: ${name}`, () => run(use, via));
    for (const use of attemptUses) for (const [name, run] of attemptCases) it(`${use.name}: ${name}`, () => run(use, via));
    for (const use of capUses) for (const [name, run] of capCases) it(`${use.name}: ${name}`, () => run(use, via));
    for (const use of totpUses) for (const [name, run] of totpCases) it(`${use.name}: ${name}`, () => run(use, via));
    for (const use of sendUses) for (const [name, run] of sendCases) it(`${use.name}: ${name}`, () => run(use, via));
  });
}
