import { randomBytes, randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import type { ChallengePolicy } from "../../src/core/challenge/challenge-policy.js";
import { createChallenges } from "../../src/core/challenge/challenge.service.js";
import { systemClock } from "../../src/core/clock.js";
import { createSecretBox } from "../../src/core/keys/secret-box.js";
import { createChallengeStore } from "../../src/store/challenge/challenge.store.js";
import { migrateDown } from "../../src/store/migrator.js";
import { defaultTenantId, type Schema } from "../../src/store/schema.js";
import { passcodePolicy } from "../../src/products/hanko/policy.js";
import { verificationPolicy } from "../../src/products/jincor/policy.js";
import { codePolicy } from "../../src/products/authenticator/policy.js";
import { useUnmigratedDatabase } from "../harness/unmigrated-database.js";

// Upgrading must not void the codes users are holding: live passcodes, verifications and
// Authenticator codes move into `challenges` and still answer with the code they were sent.

const secrets = createSecretBox(randomBytes(32));
const fresh = useUnmigratedDatabase();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let db: Kysely<any>;
beforeAll(() => {
  db = fresh.db;
});
const migrateTo = (name: string) => fresh.migrateTo(name);

describe("the challenges migration", () => {
  it("moves live passcodes, verifications and Authenticator codes over with their HMACs, and back down", async () => {
    await migrateTo("20261130000700-authfi-pending-users");
    const user = (await db.insertInto("users").values({ tenant_id: defaultTenantId }).returning("id").executeTakeFirstOrThrow()) as { id: string };
    const email = (await db.insertInto("emails").values({ tenant_id: defaultTenantId, user_id: user.id, address: `m-${randomUUID()}@example.com`, is_primary: true, verified: false }).returning("id").executeTakeFirstOrThrow()) as { id: string };
    const inFive = new Date(Date.now() + 300_000);
    const passcodeId = randomUUID();
    await db.insertInto("passcodes").values({ id: passcodeId, tenant_id: defaultTenantId, user_id: user.id, email_id: email.id, code_hash: secrets.hash("123456", `passcode:${passcodeId}`), attempts: 1, expires_at: inFive }).execute();
    const verificationId = randomUUID();
    await db.insertInto("verifications").values({ id: verificationId, tenant_id: defaultTenantId, method: "email", consumer: "c@example.com", code_hash: secrets.hash("abc", `jincor-code:${verificationId}`), payload: JSON.stringify({ k: 1 }), expires_at: inFive }).execute();
    const tokenId = randomUUID();
    await db.insertInto("authenticator_tokens").values({ id: tokenId, tenant_id: defaultTenantId, user_id: user.id, state: "identified", client_hash: randomBytes(32), code_hash: secrets.hash("654321", `authenticator-code:${tokenId}`), code_expires_at: inFive, attempts: 2, expires_at: new Date(Date.now() + 900_000) }).execute();
    await db.insertInto("passcodes").values({ id: randomUUID(), tenant_id: defaultTenantId, user_id: user.id, email_id: email.id, code_hash: randomBytes(32), expires_at: new Date(Date.now() - 1000) }).execute();

    await migrateTo("20261201000120-authenticator-codes");
    const rows = await db.selectFrom("challenges").select(["id", "purpose", "attempts", "user_id", "data"]).orderBy("purpose").execute();
    expect(rows).toEqual([
      { id: tokenId, purpose: "authenticator-code", attempts: 2, user_id: user.id, data: {} },
      { id: verificationId, purpose: "jincor-code", attempts: 0, user_id: null, data: { method: "email", consumer: "c@example.com", payload: { k: 1 } } },
      { id: passcodeId, purpose: "passcode", attempts: 1, user_id: user.id, data: { emailId: email.id } },
    ]);
    const challenges = createChallenges({ store: createChallengeStore(db as Kysely<Schema>, defaultTenantId), secrets, clock: systemClock });
    const answers = async (policy: ChallengePolicy, id: string, secret: string) => (await challenges.verify(policy, { id }, secret)).challenge.id;
    expect(await answers(passcodePolicy, passcodeId, "123456")).toBe(passcodeId);
    expect(await answers(verificationPolicy, verificationId, "abc")).toBe(verificationId);
    expect(await answers(codePolicy, tokenId, "654321")).toBe(tokenId);

    await migrateTo("20261201000100-limits");
    const passcodes = await db.selectFrom("passcodes").select(["id", "email_id", "used_at"]).execute();
    expect(passcodes).toEqual([{ id: passcodeId, email_id: email.id, used_at: expect.any(Date) }]);
    const verifications = await db.selectFrom("verifications").select(["id", "method", "consumer", "payload"]).execute();
    expect(verifications).toEqual([{ id: verificationId, method: "email", consumer: "c@example.com", payload: { k: 1 } }]);
    const token = await db.selectFrom("authenticator_tokens").select(["attempts", sql<boolean>`code_hash is not null`.as("has_code")]).where("id", "=", tokenId).executeTakeFirstOrThrow();
    expect(token).toEqual({ attempts: 2, has_code: true });
    await migrateDown(db);
  });
});
