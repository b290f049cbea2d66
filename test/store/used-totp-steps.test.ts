import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { migrateToLatest } from "../../src/store/migrator.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createUsedTotpSteps, type TotpPlace } from "../../src/store/totp/used-step.store.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

// The one store of used TOTP steps, over both products' secrets (PGlite, or PostgreSQL with
// TEST_DATABASE_URL): a code must count once even when two requests carry it at once.

let testDb: TestDatabase;
let database: Database;
let otherTenantId: string;
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

/** A new holder of a TOTP secret in `place`, at the tenant: its name for the store. */
const holders: Record<TotpPlace, (tenantId: string) => Promise<string>> = {
  async jincor(tenantId) {
    const consumer = `${randomUUID()}@example.com`;
    await database.db.insertInto("verify_totp_secrets").values({ tenant_id: tenantId, consumer, secret: Buffer.from("sealed") }).execute();
    return consumer;
  },
  async authenticator(tenantId) {
    const user = await database.db.insertInto("users").values({ tenant_id: tenantId }).returning("id").executeTakeFirstOrThrow();
    await database.db
      .insertInto("authenticator_settings")
      .values({ user_id: user.id, tenant_id: tenantId, is_code_allowed: true, is_totp_allowed: true, is_device_allowed: false, totp_secret: Buffer.from("sealed"), totp_last_used_step: null })
      .execute();
    return user.id;
  },
};

describe.each(Object.keys(holders) as TotpPlace[])("used TOTP steps of %s", (place) => {
  it("claim a step once, then only later steps", async () => {
    const steps = createUsedTotpSteps(database.db, defaultTenantId, place);
    const holder = await holders[place](defaultTenantId);
    expect(await steps.claim(holder, 100)).toBe(true);
    expect(await steps.claim(holder, 100)).toBe(false);
    expect(await steps.claim(holder, 99)).toBe(false);
    expect(await steps.claim(holder, 101)).toBe(true);
  });

  // Two requests racing with one code: the check and the write are one statement, so one wins.
  it("let one of ten concurrent claims of one step pass", async () => {
    const steps = createUsedTotpSteps(database.db, defaultTenantId, place);
    const holder = await holders[place](defaultTenantId);
    const claims = await Promise.all(Array.from({ length: 10 }, () => steps.claim(holder, 200)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it("claim nothing for a holder of another tenant", async () => {
    const holder = await holders[place](otherTenantId);
    expect(await createUsedTotpSteps(database.db, defaultTenantId, place).claim(holder, 300)).toBe(false);
    expect(await createUsedTotpSteps(database.db, otherTenantId, place).claim(holder, 300)).toBe(true);
  });
});
