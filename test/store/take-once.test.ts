import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { migrateToLatest } from "../../src/store/migrator.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createOneTimeTokenStore } from "../../src/store/session/one-time-token.store.js";
import { createChallengeStore } from "../../src/store/webauthn/challenge.store.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

// The one consume-once statement under both single-use secrets (Hanko's one-time login tokens
// and WebAuthn challenges), over the real store: of concurrent takers exactly one gets the row,
// an expired row is refused, and another tenant's row is not found.

let testDb: TestDatabase;
let database: Database;
const at = new Date("2026-12-02T00:00:00Z");
const later = (seconds: number) => new Date(at.getTime() + seconds * 1000);

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: "memory://", pgliteTemplate: testDb.pgliteTemplate, logger: createLogger("error") });
  await migrateToLatest(database.db);
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

async function newUser(): Promise<string> {
  return (await database.db.insertInto("users").values({ tenant_id: defaultTenantId }).returning("id").executeTakeFirstOrThrow()).id;
}

describe("take once", () => {
  it("gives a one-time token to exactly one of ten concurrent takers, refuses it expired, and keeps tenants apart", async () => {
    const tokens = createOneTimeTokenStore(database.db, defaultTenantId);
    const userId = await newUser();
    const valueHash = randomBytes(32);
    await tokens.insert({ userId, valueHash, expiresAt: later(60) });
    const other = await database.db.insertInto("tenants").values({ slug: `take-once-${randomUUID()}`, state: "active" }).returning("id").executeTakeFirstOrThrow();
    expect(await createOneTimeTokenStore(database.db, other.id).consume(valueHash, at)).toBeUndefined();
    const takers = await Promise.all(Array.from({ length: 10 }, () => tokens.consume(valueHash, at)));
    expect(takers.filter((taker) => taker !== undefined)).toEqual([userId]);

    const expiring = randomBytes(32);
    await tokens.insert({ userId, valueHash: expiring, expiresAt: later(60) });
    expect(await tokens.consume(expiring, later(60))).toBeUndefined();
    expect(await tokens.consume(expiring, at)).toBeUndefined();
  });

  it("gives a WebAuthn challenge to exactly one of ten concurrent takers of its ceremony and purpose, and burns an expired one as it refuses it", async () => {
    const store = createChallengeStore(database.db);
    const userId = await newUser();
    const challenge = randomBytes(32).toString("base64url");
    await store.insert({ tenantId: defaultTenantId, userId, ceremony: "login", purpose: "test:login", challenge, expiresAt: later(300), userVerification: "preferred" });
    expect(await store.consume(defaultTenantId, "login", "test:other", challenge, at)).toEqual({ refused: "unknown" });
    expect(await store.consume(defaultTenantId, "registration", "test:login", challenge, at)).toEqual({ refused: "unknown" });
    const takers = await Promise.all(Array.from({ length: 10 }, () => store.consume(defaultTenantId, "login", "test:login", challenge, at)));
    expect(takers.filter((taker) => "issued" in taker)).toEqual([{ issued: { userId, userVerification: "preferred", pendingUser: null } }]);
    expect(takers.filter((taker) => "refused" in taker)).toHaveLength(9);

    const expiring = randomBytes(32).toString("base64url");
    const pendingUser = { id: randomUUID(), name: "new", displayName: "New" };
    await store.insert({ tenantId: defaultTenantId, userId: null, ceremony: "registration", purpose: "test:register", challenge: expiring, expiresAt: later(300), userVerification: "required", pendingUser });
    expect(await store.consume(defaultTenantId, "registration", "test:register", expiring, later(300))).toEqual({ refused: "expired" });
    expect(await store.consume(defaultTenantId, "registration", "test:register", expiring, at)).toEqual({ refused: "unknown" });
  });

  it("answers a pending user of a WebAuthn challenge as it was stored", async () => {
    const store = createChallengeStore(database.db);
    const challenge = randomBytes(32).toString("base64url");
    const pendingUser = { id: randomUUID(), name: "new", displayName: "New" };
    await store.insert({ tenantId: defaultTenantId, userId: null, ceremony: "registration", purpose: "test:register", challenge, expiresAt: later(300), userVerification: "required", pendingUser });
    expect(await store.consume(defaultTenantId, "registration", "test:register", challenge, at)).toEqual({ issued: { userId: null, userVerification: "required", pendingUser } });
  });
});
