import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { migrateToLatest } from "../../src/store/migrator.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createSessionStore } from "../../src/store/session/session.store.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

// The sessions store over a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL).

let testDb: TestDatabase;
let database: Database;
let otherTenantId: string;
const at = new Date("2026-12-02T00:00:00Z");
const later = new Date("2026-12-03T00:00:00Z");

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: "memory://", pgliteTemplate: testDb.pgliteTemplate, logger: createLogger("error") });
  await migrateToLatest(database.db);
  otherTenantId = (await database.db.insertInto("tenants").values({ slug: `other-${randomUUID()}`, state: "active" }).returning("id").executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

/** A new user of the tenant with one live session: the session id. */
async function sessionOf(tenantId: string): Promise<string> {
  const user = await database.db.insertInto("users").values({ tenant_id: tenantId }).returning("id").executeTakeFirstOrThrow();
  const id = randomUUID();
  await createSessionStore(database.db, tenantId).insert({ id, userId: user.id, expiresAt: later });
  return id;
}

describe("sessions", () => {
  it("revoke the tenant's own session", async () => {
    const store = createSessionStore(database.db, defaultTenantId);
    const id = await sessionOf(defaultTenantId);
    expect(await store.findLive(id, at)).toMatchObject({ sessionId: id });
    await store.revoke(id);
    expect(await store.findLive(id, at)).toBeUndefined();
  });

  // A tenant that learns another tenant's session id (a leaked token's jti) must not log that user out.
  it("leave another tenant's session live when asked to revoke it", async () => {
    const id = await sessionOf(otherTenantId);
    await createSessionStore(database.db, defaultTenantId).revoke(id);
    expect(await createSessionStore(database.db, otherTenantId).findLive(id, at)).toMatchObject({ sessionId: id });
    const row = await database.db.selectFrom("sessions").select("revoked_at").where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeNull();
  });

  it("ignore a revocation of an id that is not a UUID", async () => {
    await expect(createSessionStore(database.db, defaultTenantId).revoke("not-a-uuid")).resolves.toBeUndefined();
  });
});
