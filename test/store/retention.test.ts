import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTenantId } from "../../src/store/schema.js";
import { purgeExpired } from "../../src/store/retention.js";
import { startTestServer, type TestServer } from "../harness/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({});
});
afterAll(async () => {
  await server?.close();
});

const hour = 3600_000;

describe("retention", () => {
  it("deletes one-time state an hour after it expired and delivered messages after a week, and keeps the rest", async () => {
    const { db } = server.app.database;
    const now = Date.now();
    const job = (label: string, expiresAt: number) => ({
      job_hash: randomBytes(32),
      tenant_id: defaultTenantId,
      pk: label,
      address_hash: randomBytes(32),
      claims: "{}",
      status: "waiting" as const,
      expires_at: new Date(expiresAt),
    });
    await db.insertInto("authentiq_scope_jobs").values([job("long-expired", now - 2 * hour), job("just-expired", now - 10 * 60_000), job("live", now + hour)]).execute();
    const message = (recipient: string, fields: { sent_at?: Date; failed_at?: Date }) => ({ tenant_id: defaultTenantId, channel: "email" as const, recipient, subject: "", body: "", ...fields });
    await db
      .insertInto("outbox")
      .values([
        message("old-sent@example.com", { sent_at: new Date(now - 8 * 24 * hour) }),
        message("old-failed@example.com", { failed_at: new Date(now - 8 * 24 * hour) }),
        message("recent-sent@example.com", { sent_at: new Date(now - 24 * hour) }),
      ])
      .execute();

    const deleted = await purgeExpired(db, new Date(now));
    expect(deleted.authentiq_scope_jobs).toBe(1);
    expect(deleted.outbox).toBe(2);
    const jobs = await db.selectFrom("authentiq_scope_jobs").select("pk").execute();
    expect(jobs.map((row) => row.pk).sort()).toEqual(["just-expired", "live"]);
    const recipients = await db.selectFrom("outbox").select("recipient").where("recipient", "like", "%@example.com").execute();
    expect(recipients.map((row) => row.recipient)).toEqual(["recent-sent@example.com"]);
    expect(await purgeExpired(db, new Date(now))).toMatchObject({ authentiq_scope_jobs: 0, outbox: 0 });
  });

  it("deletes audit events AUDIT_RETENTION_DAYS after they happened (90 by default), and keeps younger ones", async () => {
    const { db } = server.app.database;
    const now = Date.now();
    const day = 24 * hour;
    const event = (reason: string, ageDays: number) => ({
      id: randomUUID(),
      tenant_id: defaultTenantId,
      occurred_at: new Date(now - ageDays * day),
      type: "login.failed",
      outcome: "failure" as const,
      product: "hanko",
      user_id: null,
      reason,
      client_ip: null,
      user_agent: null,
      actor: null,
      details: "{}",
    });
    await db.insertInto("audit_events").values([event("retention-91", 91), event("retention-89", 89), event("retention-10", 10)]).execute();
    const kept = async () => (await db.selectFrom("audit_events").select("reason").where("reason", "like", "retention-%").orderBy("reason").execute()).map((row) => row.reason);

    expect((await purgeExpired(db, new Date(now))).audit_events).toBe(1);
    expect(await kept()).toEqual(["retention-10", "retention-89"]);
    expect((await purgeExpired(db, new Date(now), 30)).audit_events).toBe(1);
    expect(await kept()).toEqual(["retention-10"]);
  });

  // Several workers (TESSERA_WORKERS) or replicas run their retention jobs at the same time.
  it("purges every expired row exactly once when two workers purge at the same moment, and keeps the live ones", async () => {
    const { db } = server.app.database;
    const now = Date.now();
    const expired = Array.from({ length: 1_200 }, (_, i) => ({ tenant_id: defaultTenantId, channel: "email" as const, recipient: `concurrent-${i}@purge.test`, subject: "", body: "", sent_at: new Date(now - 8 * 24 * hour) }));
    await db.insertInto("outbox").values(expired).execute();
    await db.insertInto("outbox").values({ tenant_id: defaultTenantId, channel: "email", recipient: "concurrent-live@purge.test", subject: "", body: "", sent_at: new Date(now - hour) }).execute();

    const [first, second] = await Promise.all([purgeExpired(db, new Date(now)), purgeExpired(db, new Date(now))]);
    expect((first?.outbox ?? 0) + (second?.outbox ?? 0)).toBe(expired.length);
    const left = await db.selectFrom("outbox").select("recipient").where("recipient", "like", "%@purge.test").execute();
    expect(left.map((row) => row.recipient)).toEqual(["concurrent-live@purge.test"]);
  });
});
