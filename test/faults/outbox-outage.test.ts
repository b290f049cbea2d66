import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueMessage } from "../../src/store/outbox/outbox.store.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const viteNode = join("node_modules", ".bin", "vite-node");
const postgres = Boolean(process.env.TEST_DATABASE_URL);

let smtp: SmtpSink;
let smtpPath: FaultProxy;
let sms: WebhookSink;
let server: TestServer;

beforeAll(async () => {
  [smtp, sms] = await Promise.all([startSmtpSink(), startWebhookSink()]);
  smtpPath = await startFaultProxy({ host: "127.0.0.1", port: Number(new URL(smtp.url).port) });
  // The shipped schedule (2 s doubling to 60 s, 24 h) scaled down: 50 ms doubling to 400 ms.
  server = await startTestServer(
    { SMTP_URL: `smtp://127.0.0.1:${smtpPath.port}`, SMS_WEBHOOK_URL: `${sms.url}/sms` },
    { outbox: { pollMs: 100, baseDelaySeconds: 0.05, maxDelaySeconds: 0.4, sendTimeoutMs: 1_500 } },
  );
});
afterAll(async () => {
  await server?.close();
  await smtpPath?.close();
  await Promise.all([smtp?.close(), sms?.close()]);
});

let counter = 0;
/** Enqueues `count` emails valid for `validMs` in one committed transaction; returns their recipients. */
async function enqueueCodes(count: number, validMs: number): Promise<string[]> {
  const recipients = Array.from({ length: count }, () => `outage-${++counter}-${Date.now()}@example.com`);
  await server.app.database.db.transaction().execute(async (tx) => {
    for (const recipient of recipients) {
      await enqueueMessage(tx, { tenantId: defaultTenantId, channel: "email", recipient, subject: "Code", body: `code for ${recipient}`, expiresAt: new Date(Date.now() + validMs) });
    }
  });
  server.app.outbox.nudge();
  return recipients;
}

const received = (recipient: string) => smtp.messages.filter((mail) => mail.to.includes(recipient)).length;

async function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(viteNode, ["src/cli.ts", ...args], { env: { ...process.env, ...server.env, LOG_LEVEL: "error" }, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, out };
}

describe("the outbox while SMTP is down", () => {
  // Measured before: the outbox gave up after 8 attempts (~255 s) and erased the bodies, so codes
  // still valid for an hour were never sent.
  it("keeps retrying a code for as long as it is valid: none lost, none sent twice when SMTP returns", async () => {
    smtpPath.setMode("down");
    const recipients = await enqueueCodes(15, 60_000);
    // Longer than the whole old schedule of 8 attempts, scaled the same way (~6.4 s).
    await sleep(8_000);
    const rows = await server.app.database.db.selectFrom("outbox").select(["attempts", "failed_at", "body"]).where("recipient", "in", recipients).execute();
    expect(rows.every((row) => row.failed_at === null && row.body !== "")).toBe(true);
    expect(Math.min(...rows.map((row) => row.attempts))).toBeGreaterThan(8);
    smtpPath.setMode("pass");
    await expect.poll(() => recipients.every((recipient) => received(recipient) > 0), { timeout: 10_000 }).toBe(true);
    await sleep(1_000);
    expect(recipients.map(received)).toEqual(recipients.map(() => 1));
  }, 30_000);

  it("does not let a hanging SMTP server hold back SMS", async () => {
    smtpPath.setMode("stall");
    try {
      const [email] = await enqueueCodes(1, 60_000);
      await server.app.database.db.transaction().execute((tx) => enqueueMessage(tx, { tenantId: defaultTenantId, channel: "sms", recipient: "+15550900", body: "sms code" }));
      const enqueuedAt = Date.now();
      server.app.outbox.nudge();
      const call = await sms.waitFor("+15550900", 5_000);
      expect(call.receivedAt - enqueuedAt).toBeLessThan(1_000);
      expect(received(email!)).toBe(0);
      smtpPath.setMode("pass");
      smtpPath.cut();
      await expect.poll(() => received(email!), { timeout: 15_000 }).toBe(1);
    } finally {
      smtpPath.setMode("pass");
    }
  }, 30_000);

  it("dead-letters what expired undelivered, says so at warn with a count, and lists it for the operator", async () => {
    smtpPath.setMode("refuse");
    try {
      const recipients = await enqueueCodes(4, 1_500);
      await expect
        .poll(async () => (await server.app.database.db.selectFrom("outbox").select("failed_at").where("recipient", "in", recipients).execute()).every((row) => row.failed_at !== null), { timeout: 10_000 })
        .toBe(true);
      expect(server.logs.some((line) => line.includes('"level":"warn"') && line.includes("dead-lettered") && /"count":\d+/.test(line))).toBe(true);
      if (!postgres) return;
      const listed = await cli("outbox", "list");
      expect(listed.code).toBe(0);
      for (const recipient of recipients) expect(listed.out).toContain(recipient);
      expect(listed.out).not.toContain("code for");
      // A message without an expiry of its own, dead-lettered (its 24 h were up): retry sends it.
      const lasting = `outage-lasting-${Date.now()}@example.com`;
      await server.app.database.db.transaction().execute((tx) => enqueueMessage(tx, { tenantId: defaultTenantId, channel: "email", recipient: lasting, subject: "Notice", body: "no expiry" }));
      // Dead-lettered the way the sweep does it: once a refused attempt is over, not while one is in flight.
      const deadLetter = async () => Number((await server.app.database.db.updateTable("outbox").set({ failed_at: new Date() }).where("recipient", "=", lasting).where("claimed_until", "is", null).where("last_error", "is not", null).executeTakeFirst()).numUpdatedRows);
      await expect.poll(deadLetter, { timeout: 5_000 }).toBe(1);
      smtpPath.setMode("pass");
      const retried = await cli("outbox", "retry", "--all");
      expect(retried).toMatchObject({ code: 0 });
      // The codes expired: reported, not sent again.
      expect(retried.out).toContain("1 queued again");
      expect(retried.out).toContain(`${recipients.length} expired, left dead-lettered`);
      for (const recipient of recipients) expect(retried.out).toMatch(new RegExp(`\t${recipient.replaceAll(".", "\\.")}\texpired `));
      await expect.poll(() => received(lasting), { timeout: 10_000 }).toBe(1);
      await sleep(500);
      expect(recipients.map(received)).toEqual(recipients.map(() => 0));
      const after = (await cli("outbox", "list")).out;
      expect(after).not.toContain(lasting);
      for (const recipient of recipients) expect(after).toContain(recipient);
    } finally {
      smtpPath.setMode("pass");
    }
  }, 60_000);
});
