import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { createLogger } from "../../src/log.js";
import { createFactorStore } from "../../src/store/authenticator/settings.store.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { migrateToLatest } from "../../src/store/migrator.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

// The Authenticator API's settings lock, over a real database (PGlite, or PostgreSQL with
// TEST_DATABASE_URL), for a user who never stored settings (a Hanko user): the lock must hold a
// row, or two changes of that user's factors (a first device that allows devices, a PATCH of the
// toggles) each read the defaults and the second write undoes the first.

let testDb: TestDatabase;
let database: Database;
let factors: ReturnType<typeof createFactorStore>;
beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: "memory://", pgliteTemplate: testDb.pgliteTemplate, logger: createLogger("error") });
  await migrateToLatest(database.db);
  factors = createFactorStore(database.db, defaultTenantId);
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

/**
 * Resolves once the second transaction either read the settings or waits on a lock: on
 * PostgreSQL a backend of this database waits on a lock; PGlite runs one transaction at a time,
 * so the second has not started while the first is open.
 */
async function secondReadOrWaiting(read: () => boolean): Promise<void> {
  if (testDb.engine === "pglite") return;
  const deadline = Date.now() + 10_000;
  while (!read() && Date.now() < deadline) {
    const waiting = await sql<{ count: string }>`select count(*) as count from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(database.db);
    if (Number(waiting.rows[0]?.count) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("lockSettings", () => {
  it("serialises two changes of a user with no settings row, so neither is lost", async () => {
    const { id: userId } = await database.db.insertInto("users").values({ tenant_id: defaultTenantId }).returning("id").executeTakeFirstOrThrow();
    let locked!: () => void;
    const firstLocked = new Promise<void>((resolve) => (locked = resolve));
    let secondRead = false;
    // The first registered device allows devices (device.service.ts).
    const device = database.db.transaction().execute(async (tx) => {
      const settings = await factors.lockSettings(tx, userId);
      locked();
      await secondReadOrWaiting(() => secondRead);
      await factors.saveSettings(tx, userId, { isCodeAllowed: settings.isCodeAllowed, isTotpAllowed: settings.isTotpAllowed, isDeviceAllowed: true });
    });
    await firstLocked;
    // Meanwhile the user turns codes off (user-settings.service.ts).
    const toggles = database.db.transaction().execute(async (tx) => {
      const settings = await factors.lockSettings(tx, userId);
      secondRead = true;
      await factors.saveSettings(tx, userId, { isCodeAllowed: false, isTotpAllowed: settings.isTotpAllowed, isDeviceAllowed: settings.isDeviceAllowed });
    });
    await Promise.all([device, toggles]);
    const row = await database.db.selectFrom("authenticator_settings").select(["is_code_allowed", "is_totp_allowed", "is_device_allowed"]).where("user_id", "=", userId).execute();
    expect(row).toEqual([{ is_code_allowed: false, is_totp_allowed: false, is_device_allowed: true }]);
  });

  it("stores the defaults for a user with no settings row, once, under concurrent locks", async () => {
    const { id: userId } = await database.db.insertInto("users").values({ tenant_id: defaultTenantId }).returning("id").executeTakeFirstOrThrow();
    const locks = await Promise.all(Array.from({ length: 5 }, () => database.db.transaction().execute((tx) => factors.lockSettings(tx, userId))));
    expect(locks.map((settings) => [settings.isCodeAllowed, settings.isTotpAllowed, settings.isDeviceAllowed])).toEqual(Array.from({ length: 5 }, () => [true, false, false]));
    expect(await database.db.selectFrom("authenticator_settings").select("user_id").where("user_id", "=", userId).execute()).toHaveLength(1);
  });
});
