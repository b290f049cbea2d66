import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { createMigrator, migrateDown, migrateToLatest } from "../../src/store/migrator.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

let testDb: TestDatabase;
let database: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  // Start from an empty database, not the migrated template.
  database = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: "memory://", logger: createLogger("error") });
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

function throwOnError(result: { error?: unknown }): void {
  if (result.error !== undefined) throw result.error;
}

async function tables(): Promise<string[]> {
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%' order by table_name`.execute(database.db);
  return result.rows.map((row) => row.table_name);
}

describe("migrations", () => {
  it("go up, down and up again on an empty database", async () => {
    await migrateToLatest(database.db);
    const latest = await tables();
    expect(latest).toEqual([
      "audit_events",
      "authenticator_settings",
      "authenticator_signups",
      "authenticator_tokens",
      "authentiq_keys",
      "authentiq_scope_jobs",
      "authfi_users",
      "challenges",
      "emails",
      "identities",
      "limits",
      "one_time_tokens",
      "outbox",
      "passwords",
      "phone_numbers",
      "saml_assertions",
      "saml_requests",
      "sessions",
      "signing_keys",
      "tenant_api_keys",
      "tenants",
      "thirdparty_states",
      "users",
      "verify_totp_secrets",
      "webauthn_challenges",
      "webauthn_credentials",
      "webhook_deliveries",
      "webhooks",
    ]);
    const tenant = await database.db.selectFrom("tenants").selectAll().executeTakeFirstOrThrow();
    expect(tenant).toMatchObject({ slug: "default", state: "active", user_cap: null });

    // Each down undoes one migration: the tables are those before its up (a migration that
    // replaced tables puts them back), and the last one leaves none.
    const applied = (await createMigrator(database.db).getMigrations()).filter((migration) => migration.executedAt !== undefined).length;
    for (let step = 0; step < applied; step++) await migrateDown(database.db);
    expect(await tables()).toEqual([]);
    const before: string[][] = [];
    for (let step = 0; step < applied; step++) {
      before.push(await tables());
      throwOnError(await createMigrator(database.db).migrateUp());
    }
    expect(await tables()).toEqual(latest);
    for (let step = applied - 1; step >= 0; step--) {
      await migrateDown(database.db);
      expect(await tables(), `down of migration ${step}`).toEqual(before[step]);
    }

    await migrateToLatest(database.db);
    expect(await tables()).toEqual(latest);
    const again = await migrateToLatest(database.db);
    expect(again.results).toEqual([]);
  });

  it("keep one primary email per user and one address per tenant", async () => {
    const user = await database.db.insertInto("users").values({ tenant_id: "00000000-0000-0000-0000-000000000000" }).returning("id").executeTakeFirstOrThrow();
    const email = (address: string, primary: boolean) =>
      database.db.insertInto("emails").values({ tenant_id: "00000000-0000-0000-0000-000000000000", user_id: user.id, address, is_primary: primary, verified: false }).execute();
    await email("one@example.com", true);
    await expect(email("two@example.com", true)).rejects.toThrow();
    await expect(email("one@example.com", false)).rejects.toThrow();
    await expect(email("three@example.com", false)).resolves.toBeDefined();
  });
});
