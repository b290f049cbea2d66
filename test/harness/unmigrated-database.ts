import type { Kysely } from "kysely";
import { afterAll, beforeAll } from "vitest";
import { createLogger } from "../../src/log.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { createMigrator } from "../../src/store/migrator.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

/** A database of the test file's own, left unmigrated, for tests that migrate step by step. */
export interface UnmigratedDatabase {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly db: Kysely<any>;
  /** Migrates up or down to the migration `name`; throws what the migration threw. */
  migrateTo(name: string): Promise<void>;
}

/** Opens the database before the file's tests and drops it after them. */
export function useUnmigratedDatabase(): UnmigratedDatabase {
  let testDb: TestDatabase | undefined;
  let database: Database | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: "memory://", logger: createLogger("error") });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });
  return {
    get db() {
      if (database === undefined) throw new Error("the database opens in beforeAll");
      return database.db;
    },
    async migrateTo(name) {
      const result = await createMigrator(this.db).migrateTo(name);
      if (result.error !== undefined) throw result.error;
    },
  };
}
