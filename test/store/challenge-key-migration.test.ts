import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { defaultTenantId } from "../../src/store/schema.js";
import { useUnmigratedDatabase } from "../harness/unmigrated-database.js";

// Widening the challenges' key keeps every challenge; going back keeps the newest of an id.

const fresh = useUnmigratedDatabase();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let db: Kysely<any>;
beforeAll(() => {
  db = fresh.db;
});

const challenge = (id: string, purpose: string, createdAt: Date) => ({
  id,
  tenant_id: defaultTenantId,
  purpose,
  secret_hash: randomBytes(32),
  attempts: 1,
  max_attempts: 3,
  created_at: createdAt,
  expires_at: new Date(createdAt.getTime() + 300_000),
});

describe("the challenge key migration", () => {
  it("keeps the challenges, lets one id stand in two purposes, and going down keeps the newest of an id", async () => {
    await fresh.migrateTo("20261201000210-webauthn-credential-product");
    const id = randomUUID();
    const before = new Date(Date.now() - 1000);
    await db.insertInto("challenges").values(challenge(id, "passcode", before)).execute();
    await expect(db.insertInto("challenges").values(challenge(id, "jincor-code", new Date())).execute()).rejects.toThrow();

    await fresh.migrateTo("20261202000100-challenge-key");
    expect(await db.selectFrom("challenges").select(["purpose", "attempts"]).where("id", "=", id).execute()).toEqual([{ purpose: "passcode", attempts: 1 }]);
    await db.insertInto("challenges").values(challenge(id, "jincor-code", new Date())).execute();
    await expect(db.insertInto("challenges").values(challenge(id, "passcode", new Date())).execute()).rejects.toThrow();

    await fresh.migrateTo("20261201000210-webauthn-credential-product");
    expect(await db.selectFrom("challenges").select("purpose").where("id", "=", id).execute()).toEqual([{ purpose: "jincor-code" }]);
    await fresh.migrateTo("20261202000100-challenge-key");
  });
});
