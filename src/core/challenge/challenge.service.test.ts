import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Clock } from "../clock.js";
import { isDomainError } from "../errors/domain-error.js";
import type { Reason } from "../errors/reasons.js";
import { memoryChallengeStore } from "../../../test/fakes/memory-challenge-store.js";
import { createSecretBox } from "../keys/secret-box.js";
import type { ChallengePolicy } from "./challenge-policy.js";
import { createChallenges } from "./challenge.service.js";

// The challenge mechanic over a store in memory, with a clock the tests move: the times it
// hands the store are the clock's, never the database's.

const reason = (name: string) => ({ reason: name as Reason, kind: "unauthenticated", message: name }) as const;
const policy: ChallengePolicy = {
  purpose: "unit-code",
  product: "shared",
  ttlSeconds: 300,
  maxAttempts: 2,
  digits: 6,
  refusals: { unknown: reason("UNKNOWN"), closed: reason("CLOSED"), expired: reason("EXPIRED"), wrong: reason("WRONG"), burned: reason("BURNED"), exhausted: reason("EXHAUSTED") },
};
const refusal = (promise: Promise<unknown>) => promise.then(() => "accepted", (error: unknown) => (isDomainError(error) ? error.reason : error));
const wrongOf = (secret: string) => secret.replace(/^./, (digit) => String((Number(digit) + 1) % 10));

describe("challenge service", () => {
  const secrets = createSecretBox(randomBytes(32));
  let now = Date.UTC(2026, 11, 1);
  const clock: Clock = { now: () => new Date(now) };
  const issued = async () => {
    const store = memoryChallengeStore();
    const challenges = createChallenges({ store, secrets, clock });
    return { store, challenges, ...(await challenges.issue(policy, {})) };
  };

  it("count wrong answers and burn the challenge with the clock's time, under its purpose and id", async () => {
    const { store, challenges, challenge, secret } = await issued();
    now += 10_000;
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, wrongOf(secret!)))).toBe("WRONG");
    now += 20_000;
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, wrongOf(secret!)))).toBe("BURNED");
    const key = { purpose: policy.purpose, id: challenge.id };
    expect(store.writes.map(({ op, key: written, at }) => ({ op, key: { purpose: written.purpose, id: written.id }, at }))).toEqual([
      { op: "countWrong", key, at: new Date(now - 20_000) },
      { op: "countWrong", key, at: new Date(now) },
    ]);
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, secret!))).toBe("EXHAUSTED");
  });

  it("close an answered challenge with the clock's time", async () => {
    const { store, challenges, challenge, secret } = await issued();
    now += 5_000;
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, secret!))).toBe("accepted");
    expect(store.writes).toMatchObject([{ op: "close", key: { purpose: policy.purpose, id: challenge.id }, at: new Date(now) }]);
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, secret!))).toBe("CLOSED");
  });

  it("refuse the right secret once the clock reaches the expiry, without writing", async () => {
    const { store, challenges, challenge, secret } = await issued();
    now += 300_000;
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, secret!))).toBe("EXPIRED");
    expect(store.writes).toEqual([]);
  });

  // A locked account (tessera.admin.v1 LockUser) must not be sent codes: no login of theirs starts.
  it("issue nothing for a locked user, and issue as before for any other", async () => {
    const store = memoryChallengeStore();
    const locks = { isLocked: (userId: string) => Promise.resolve(userId === "locked-user") };
    const challenges = createChallenges({ store, secrets, clock, locks });
    const message = () => ({ channel: "email" as const, recipient: "a@example.com", body: "code" });
    expect(await refusal(challenges.issue(policy, { id: "for-locked", userId: "locked-user", message }))).toBe("USER_LOCKED");
    expect(store.stored({ purpose: policy.purpose, id: "for-locked" })).toBeUndefined();
    expect(store.messages).toEqual([]);
    const { challenge } = await challenges.issue(policy, { userId: "other-user", message });
    expect(store.stored({ purpose: policy.purpose, id: challenge.id })).toMatchObject({ userId: "other-user" });
    expect(store.messages).toHaveLength(1);
  });
});
