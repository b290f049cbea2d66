import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChallengePolicy } from "../../src/core/challenge/challenge-policy.js";
import { createChallenges, type Challenges } from "../../src/core/challenge/challenge.service.js";
import type { Clock } from "../../src/core/clock.js";
import { isDomainError } from "../../src/core/errors/domain-error.js";
import { createSecretBox } from "../../src/core/keys/secret-box.js";
import { createLogger } from "../../src/log.js";
import { createChallengeStore } from "../../src/store/challenge/challenge.store.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { migrateToLatest } from "../../src/store/migrator.js";
import { defaultTenantId, type Schema } from "../../src/store/schema.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import type { Reason } from "../../src/core/errors/reasons.js";

// The challenge mechanic over its real store (PGlite, or PostgreSQL with TEST_DATABASE_URL),
// with a clock the tests move: no sleeping.

let testDb: TestDatabase;
let database: Database;
let challenges: Challenges<Kysely<Schema>>;
let at = new Date("2026-12-01T00:00:00Z");
const clock: Clock = { now: () => at };
const secrets = createSecretBox(randomBytes(32));
// Test-only reasons name each refusal apart; they are outside the closed union on purpose.
const reason = (name: string) => ({ reason: name as Reason, kind: "unauthenticated", message: name }) as const;
const policy: ChallengePolicy = {
  purpose: "test-code",
  product: "shared",
  ttlSeconds: 300,
  maxAttempts: 3,
  digits: 8,
  refusals: { unknown: reason("UNKNOWN"), closed: reason("CLOSED"), expired: reason("EXPIRED"), wrong: reason("WRONG"), burned: reason("BURNED"), exhausted: reason("EXHAUSTED") },
};

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: "memory://", pgliteTemplate: testDb.pgliteTemplate, logger: createLogger("error") });
  await migrateToLatest(database.db);
  challenges = createChallenges({ store: createChallengeStore(database.db, defaultTenantId), secrets, clock });
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

const refusal = (promise: Promise<unknown>) => promise.then(() => "accepted", (error: unknown) => (isDomainError(error) ? error.reason : error));
const wrongOf = (secret: string) => secret.replace(/^./, (digit) => String((Number(digit) + 1) % 10));

describe("challenges", () => {
  it("issue a random secret of the policy's digits, stored only as an HMAC, with the message queued in the same transaction", async () => {
    const recipient = `someone-${randomUUID()}@example.com`;
    const { challenge, secret } = await challenges.issue(policy, { message: (code) => ({ channel: "email", recipient, body: `code ${code}` }) });
    expect(secret).toMatch(/^\d{8}$/);
    expect(challenge.expiresAt.getTime() - at.getTime()).toBe(300_000);
    const row = await database.db.selectFrom("challenges").selectAll().where("id", "=", challenge.id).executeTakeFirstOrThrow();
    expect(row.secret_hash).toHaveLength(32);
    expect(Buffer.from(row.secret_hash!).toString("latin1")).not.toContain(secret!);
    const queued = await database.db.selectFrom("outbox").select("body").where("recipient", "=", recipient).execute();
    expect(queued).toEqual([{ body: `code ${secret}` }]);
  });

  it("accept the right secret once and run the product's work with it; a replay is refused", async () => {
    const { challenge, secret } = await challenges.issue(policy, {});
    const answered = await challenges.verify(policy, { id: challenge.id }, secret!, { onSuccess: async () => "done" });
    expect(answered.value).toBe("done");
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, secret!))).toBe("CLOSED");
  });

  it("count wrong answers, burn at the limit, and then refuse the right secret", async () => {
    const { challenge, secret } = await challenges.issue(policy, {});
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, wrongOf(secret!)))).toBe("WRONG");
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, wrongOf(secret!)))).toBe("WRONG");
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, wrongOf(secret!)))).toBe("BURNED");
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, secret!))).toBe("EXHAUSTED");
  });

  it("count every wrong answer of a concurrent burst: exactly the limit are wrong, the rest find it burned", async () => {
    const { challenge, secret } = await challenges.issue(policy, {});
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => refusal(challenges.verify(policy, { id: challenge.id }, wrongOf(secret!)))));
    expect(outcomes.filter((outcome) => outcome === "WRONG" || outcome === "BURNED")).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome === "EXHAUSTED")).toHaveLength(17);
  });

  it("refuse the right secret once the clock passes the expiry, and a rolled-back success leaves it open", async () => {
    const { challenge, secret } = await challenges.issue(policy, {});
    const failing = challenges.verify(policy, { id: challenge.id }, secret!, { onSuccess: async () => Promise.reject(new Error("product fault")) });
    await expect(failing).rejects.toThrow("product fault");
    expect(await challenges.find(policy, { id: challenge.id })).toMatchObject({ id: challenge.id, closedAt: null });
    at = new Date(at.getTime() + 300_000);
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, secret!))).toBe("EXPIRED");
    expect(await challenges.find(policy, { id: challenge.id })).toBeUndefined();
  });

  it("look up the newest open challenge of a subject; replacing closes the older one", async () => {
    const subject = ["pair", randomUUID()];
    const first = await challenges.issue(policy, { subject, replaceOpen: true });
    const second = await challenges.issue(policy, { subject, replaceOpen: true });
    expect(await refusal(challenges.verify(policy, { subject }, first.secret!))).toBe(first.secret === second.secret ? "accepted" : "WRONG");
    const fresh = await challenges.issue(policy, { subject, replaceOpen: true });
    expect(await refusal(challenges.verify(policy, { subject }, fresh.secret!))).toBe("accepted");
    expect(await refusal(challenges.verify(policy, { subject }, fresh.secret!))).toBe("UNKNOWN");
  });

  it("keep purposes apart, refuse an unknown id, and refuse a chosen id while it is open", async () => {
    const { challenge, secret } = await challenges.issue(policy, {});
    expect(await refusal(challenges.verify({ ...policy, purpose: "other" }, { id: challenge.id }, secret!))).toBe("UNKNOWN");
    expect(await refusal(challenges.verify(policy, { id: randomUUID() }, secret!))).toBe("UNKNOWN");
    expect(await refusal(challenges.issue(policy, { id: challenge.id }))).toBe("CLOSED");
    expect(await challenges.close(policy, { id: challenge.id })).toBe(true);
    expect((await challenges.issue(policy, { id: challenge.id, secret: "12345678" })).challenge.id).toBe(challenge.id);
  });

  it("hold the same id in two tenants and two purposes as four challenges, each counted, answered and closed alone", async () => {
    const tenant = await database.db.insertInto("tenants").values({ slug: `challenge-key-${randomUUID()}`, state: "active" }).returning("id").executeTakeFirstOrThrow();
    const other = createChallenges({ store: createChallengeStore(database.db, tenant.id), secrets, clock });
    const otherPurpose: ChallengePolicy = { ...policy, purpose: "test-code-other" };
    const id = randomUUID();
    const issued = [
      { of: challenges, policy, ...(await challenges.issue(policy, { id })) },
      { of: challenges, policy: otherPurpose, ...(await challenges.issue(otherPurpose, { id })) },
      { of: other, policy, ...(await other.issue(policy, { id })) },
      { of: other, policy: otherPurpose, ...(await other.issue(otherPurpose, { id })) },
    ];
    const rows = () => database.db.selectFrom("challenges").select(["tenant_id", "purpose", "attempts", "closed_at"]).where("id", "=", id).orderBy("tenant_id").orderBy("purpose").execute();
    expect(await rows()).toHaveLength(4);

    // A wrong answer counts on its own challenge; the right answer closes only that one.
    const [first, second, third, fourth] = issued;
    expect(await refusal(first!.of.verify(first!.policy, { id }, wrongOf(first!.secret!)))).toBe("WRONG");
    expect(await refusal(third!.of.verify(third!.policy, { id }, third!.secret!))).toBe("accepted");
    const attemptsOf = async (tenantId: string, purpose: string) => (await rows()).find((row) => row.tenant_id === tenantId && row.purpose === purpose);
    expect(await attemptsOf(defaultTenantId, policy.purpose)).toMatchObject({ attempts: 1, closed_at: null });
    expect(await attemptsOf(defaultTenantId, otherPurpose.purpose)).toMatchObject({ attempts: 0, closed_at: null });
    expect((await attemptsOf(tenant.id, policy.purpose))?.closed_at).toBeInstanceOf(Date);
    expect(await attemptsOf(tenant.id, otherPurpose.purpose)).toMatchObject({ attempts: 0, closed_at: null });

    // The closed one's id is free again in its tenant and purpose, the open ones' are still taken.
    expect(await refusal(third!.of.issue(third!.policy, { id }))).toBe("accepted");
    expect(await refusal(second!.of.issue(second!.policy, { id }))).toBe("CLOSED");
    expect(await refusal(fourth!.of.verify(fourth!.policy, { id }, fourth!.secret!))).toBe("accepted");
    expect(await refusal(second!.of.verify(second!.policy, { id }, second!.secret!))).toBe("accepted");
    expect(await refusal(first!.of.verify(first!.policy, { id }, first!.secret!))).toBe("accepted");
  });

  it("close a burned challenge at the clock's time, not the database's", async () => {
    const { challenge, secret } = await challenges.issue({ ...policy, maxAttempts: 1 }, {});
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, wrongOf(secret!)))).toBe("BURNED");
    const row = await database.db.selectFrom("challenges").select(["attempts", "closed_at"]).where("id", "=", challenge.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ attempts: 1, closed_at: at });
  });

  it("answer a challenge without a secret only through the product's alternative", async () => {
    const { challenge } = await challenges.issue(policy, { secret: null });
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, "00000000"))).toBe("WRONG");
    expect(await refusal(challenges.verify(policy, { id: challenge.id }, "anything", { alternative: async () => true }))).toBe("accepted");
  });
});
