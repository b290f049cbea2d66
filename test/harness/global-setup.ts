import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import "./provided.js";
import { createPgliteDialect } from "../../src/store/pglite-dialect.js";
import { migrateToLatest } from "../../src/store/migrator.js";

/**
 * Runs once per test run: migrates one in-memory PGlite and dumps it, so each test server
 * starts from a copy (~0.5 s) instead of running initdb (3–5 s).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.TEST_DATABASE_URL) return () => {};
  const dir = mkdtempSync(join(tmpdir(), "tessera-template-"));
  const pglite = await PGlite.create("memory://");
  const db = new Kysely<unknown>({ dialect: createPgliteDialect(pglite) });
  await migrateToLatest(db);
  const dump = await pglite.dumpDataDir("none");
  await db.destroy();
  const file = join(dir, "template.tar");
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide("pgliteTemplate", file);
  return () => rmSync(dir, { recursive: true, force: true });
}

