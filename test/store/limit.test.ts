import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { DomainError, isDomainError } from "../../src/core/errors/domain-error.js";
import { createSecretBox } from "../../src/core/keys/secret-box.js";
import type { LimitPolicy } from "../../src/core/limit/limit-policy.js";
import { createLimiter, type Limiter } from "../../src/core/limit/limit.service.js";
import { createLogger } from "../../src/log.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { createLimitStore } from "../../src/store/limit/limit.store.js";
import { migrateToLatest } from "../../src/store/migrator.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

// Test-only reasons, outside the closed union on purpose.

// The limit mechanic over its real store (PGlite, or PostgreSQL with TEST_DATABASE_URL), with a
// clock the tests move: no sleeping.

let testDb: TestDatabase;
let database: Database;
let limits: Limiter;
let at = new Date("2026-12-01T00:00:00Z");
const clock: Clock = { now: () => at };
const secrets = createSecretBox(randomBytes(32));
const policy: LimitPolicy = { name: "test:limit", max: 3, windowSeconds: 60, reason: "TOO_MANY_ATTEMPTS", message: "too many" };

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: "memory://", pgliteTemplate: testDb.pgliteTemplate, logger: createLogger("error") });
  await migrateToLatest(database.db);
  limits = createLimiter({ store: createLimitStore(database.db), tenantId: defaultTenantId, secrets, clock });
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

const key = () => ["user", randomUUID()] as const;
const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (isDomainError(error) ? { reason: error.reason, kind: error.kind, details: error.details } : error));
const fail = async (): Promise<never> => {
  throw new DomainError("INVALID_CODE", "unauthenticated");
};

describe("the limiter", () => {
  it("allows max hits per window, refuses the next with the seconds left, and allows again once the window passes", async () => {
    const subject = key();
    for (let i = 0; i < 3; i++) expect(await limits.consume(subject, policy)).toEqual({ allowed: true, remaining: 2 - i });
    at = new Date(at.getTime() + 20_000);
    expect(await limits.consume(subject, policy)).toEqual({ allowed: false, retryAfterSeconds: 40 });
    expect(await refusal(limits.enforce(subject, policy))).toEqual({ reason: "TOO_MANY_ATTEMPTS", kind: "rate_limited", details: { retryAfterSeconds: 40 } });
    at = new Date(at.getTime() + 40_000);
    expect(await limits.consume(subject, policy)).toEqual({ allowed: true, remaining: 2 });
  });

  it("keeps keys and policies apart", async () => {
    const subject = key();
    for (let i = 0; i < 3; i++) await limits.consume(subject, policy);
    expect((await limits.consume(subject, policy)).allowed).toBe(false);
    expect((await limits.consume(key(), policy)).allowed).toBe(true);
    expect((await limits.consume(subject, { ...policy, name: "test:other" })).allowed).toBe(true);
  });

  it("counts a concurrent burst in one statement each: exactly max of 30 are allowed", async () => {
    const subject = key();
    const decisions = await Promise.all(Array.from({ length: 30 }, () => limits.consume(subject, policy)));
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(3);
  });

  it("guard counts only the failures it names, refuses past max without running the attempt, and check sees it", async () => {
    const subject = key();
    expect(await limits.guard([[subject, policy]], ["INVALID_CODE"], async () => "right")).toBe("right");
    for (let i = 0; i < 3; i++) expect(await refusal(limits.guard([[subject, policy]], ["INVALID_CODE"], fail))).toMatchObject({ reason: "INVALID_CODE" });
    await expect(limits.check(subject, policy)).rejects.toMatchObject({ reason: "TOO_MANY_ATTEMPTS" });
    let ran = false;
    const refused = await refusal(limits.guard([[subject, policy]], ["INVALID_CODE"], async () => (ran = true)));
    expect(refused).toMatchObject({ reason: "TOO_MANY_ATTEMPTS", kind: "rate_limited" });
    expect(ran).toBe(false);
  });

  it("guard lets at most max of a concurrent burst of failing attempts run", async () => {
    const subject = key();
    let ran = 0;
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => refusal(limits.guard([[subject, policy]], ["INVALID_CODE"], async () => (ran++, fail())))));
    expect(ran).toBeLessThanOrEqual(3);
    expect(outcomes.filter((outcome) => (outcome as { reason: string }).reason === "TOO_MANY_ATTEMPTS").length).toBeGreaterThanOrEqual(17);
  });

  it("stores no key in the clear", async () => {
    const subject = ["contact", "email", `someone-${randomUUID()}@example.com`] as const;
    await limits.consume(subject, policy);
    const rows = await database.db.selectFrom("limits").select("key").execute();
    expect(rows.every((row) => !Buffer.from(row.key).toString("latin1").includes(subject[2]))).toBe(true);
    expect(rows.every((row) => row.key.length === 32)).toBe(true);
  });
});
