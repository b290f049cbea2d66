import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import pg from "pg";
import { inject } from "vitest";
import "./provided.js";

/** Where one test server keeps its data: a fresh PostgreSQL database, or PGlite from the template. */
export interface TestDatabase {
  env: Record<string, string>;
  pgliteTemplate: Blob | undefined;
  engine: "postgres" | "pglite";
  /** Drops the PostgreSQL database (PGlite is in memory). */
  drop(): Promise<void>;
}

/**
 * With `TEST_DATABASE_URL` set, creates a database of its own on that server (so test files
 * run in parallel); else PGlite in memory, cloned from the migrated template the global setup
 * wrote (see global-setup.ts).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl === undefined || adminUrl === "") {
    const file = inject("pgliteTemplate");
    const pgliteTemplate = file === undefined ? undefined : new Blob([await readFile(file)]);
    return { env: { DATA_DIR: "memory://" }, pgliteTemplate, engine: "pglite", drop: async () => {} };
  }
  const name = `tessera_test_${randomBytes(6).toString("hex")}`;
  await admin(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    pgliteTemplate: undefined,
    engine: "postgres",
    drop: () => admin(adminUrl, `drop database if exists ${name} with (force)`),
  };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
