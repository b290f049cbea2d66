import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueMessage } from "../../src/store/outbox/outbox.store.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";

let smtp: SmtpSink;
let sms: WebhookSink;
let push: WebhookSink;
let server: TestServer;

beforeAll(async () => {
  [smtp, sms, push] = await Promise.all([startSmtpSink(), startWebhookSink(), startWebhookSink()]);
  server = await startTestServer({ SMTP_URL: smtp.url, SMTP_FROM: "Tessera <auth@example.com>", SMS_WEBHOOK_URL: `${sms.url}/sms`, PUSH_WEBHOOK_URL: `${push.url}/push` });
});
afterAll(async () => {
  await server?.close();
  await Promise.all([smtp?.close(), sms?.close(), push?.close()]);
});

/** Enqueues in a transaction, as a service does, then nudges the worker after commit. */
async function send(channel: "email" | "sms" | "push", recipient: string, body: string, subject = ""): Promise<number> {
  await server.app.database.db.transaction().execute((tx) => enqueueMessage(tx, { tenantId: defaultTenantId, channel, recipient, subject, body }));
  const committedAt = Date.now();
  server.app.outbox.nudge();
  return committedAt;
}

describe("the outbox", () => {
  it("emails over SMTP in under a second after commit", async () => {
    const committedAt = await send("email", "alice@example.com", "Your code is 123456", "Your code");
    const mail = await smtp.waitFor("alice@example.com");
    expect(mail.receivedAt - committedAt).toBeLessThan(1_000);
    expect(mail.from).toBe("auth@example.com");
    expect(mail.raw).toContain("Subject: Your code");
    expect(mail.raw).toContain("Your code is 123456");
  });

  it("posts SMS and push as JSON {to, body} to their webhooks in under a second", async () => {
    const smsAt = await send("sms", "+15550001", "code 654321");
    const pushAt = await send("push", "device-token-1", "sign in?");
    const smsCall = await sms.waitFor("+15550001");
    const pushCall = await push.waitFor("device-token-1");
    expect(smsCall).toMatchObject({ path: "/sms", body: { to: "+15550001", body: "code 654321" } });
    expect(pushCall).toMatchObject({ path: "/push", body: { to: "device-token-1", body: "sign in?" } });
    expect(smsCall.receivedAt - smsAt).toBeLessThan(1_000);
    expect(pushCall.receivedAt - pushAt).toBeLessThan(1_000);
  });

  it("retries with backoff when the target fails, then marks the message sent and forgets its body", async () => {
    sms.failNext(1, 503);
    await send("sms", "+15550002", "code 111111");
    const call = await sms.waitFor("+15550002", 10_000);
    expect(call.body.body).toBe("code 111111");
    const row = await server.app.database.db.selectFrom("outbox").selectAll().where("recipient", "=", "+15550002").executeTakeFirstOrThrow();
    await expect.poll(async () => (await server.app.database.db.selectFrom("outbox").select(["sent_at", "body"]).where("id", "=", row.id).executeTakeFirstOrThrow()).body).toBe("");
    const sent = await server.app.database.db.selectFrom("outbox").selectAll().where("id", "=", row.id).executeTakeFirstOrThrow();
    expect(sent.attempts).toBe(2);
    expect(sent.sent_at).not.toBeNull();
  });

  it("sends nothing when the enqueuing transaction rolls back", async () => {
    await server.app.database.db
      .transaction()
      .execute(async (tx) => {
        await enqueueMessage(tx, { tenantId: defaultTenantId, channel: "sms", recipient: "+15550003", body: "never" });
        throw new Error("rolled back");
      })
      .catch(() => undefined);
    server.app.outbox.nudge();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sms.calls.some((call) => call.body.to === "+15550003")).toBe(false);
    expect(await server.app.database.db.selectFrom("outbox").select("id").where("recipient", "=", "+15550003").execute()).toEqual([]);
  });
});

describe("the outbox with no targets configured", () => {
  it("writes the message to the log so a newcomer can read the code", async () => {
    const bare = await startTestServer({}, { logMessageBodies: true });
    try {
      await bare.app.database.db.transaction().execute((tx) => enqueueMessage(tx, { tenantId: defaultTenantId, channel: "email", recipient: "bob@example.com", subject: "Code", body: "Your code is 222333" }));
      bare.app.outbox.nudge();
      await expect.poll(() => bare.logs.some((line) => line.includes("bob@example.com") && line.includes("222333"))).toBe(true);
    } finally {
      await bare.close();
    }
  });
});

/** One outbox message for `recipient` through `server`, and the log lines that mention it. */
async function sendUndeliverable(server: TestServer, recipient: string, body: string) {
  await server.app.database.db.transaction().execute((tx) => enqueueMessage(tx, { tenantId: defaultTenantId, channel: "email", recipient, subject: "Code", body }));
  server.app.outbox.nudge();
  const row = () => server.app.database.db.selectFrom("outbox").select(["attempts", "sent_at", "last_error"]).where("recipient", "=", recipient).executeTakeFirstOrThrow();
  // The attempt is counted when the message is claimed and its error written after: wait for both.
  await expect.poll(async () => ((found) => found.attempts > 0 && found.last_error !== null)(await row()) || server.logs.some((line) => line.includes(body))).toBe(true);
  return { row: await row(), leaks: server.logs.filter((line) => line.includes(recipient) || line.includes(body)) };
}

describe("the outbox with no target for a channel on a deployment with DATABASE_URL", () => {
  // What DATABASE_URL selects (the harness logs bodies on PostgreSQL too, to read codes).
  it("logs neither the body nor the recipient, and keeps the message to retry", async () => {
    const deployed = await startTestServer({}, { logMessageBodies: false });
    try {
      const { row, leaks } = await sendUndeliverable(deployed, "carol@example.com", "Your code is 444555");
      expect(leaks).toEqual([]);
      expect(row).toMatchObject({ sent_at: null, last_error: expect.stringContaining("no SMTP_URL configured") });
      expect(deployed.logs.some((line) => line.includes('"level":"warn"') && line.includes("no SMTP_URL: email messages cannot be delivered"))).toBe(true);
      expect(deployed.logs.some((line) => line.includes("message not delivered, will retry") && line.includes('"channel":"email"'))).toBe(true);
    } finally {
      await deployed.close();
    }
  });

  it("follows the engine by default: bodies in the log on the embedded PGlite only", async () => {
    const plain = await startTestServer({}, { logMessageBodies: undefined });
    try {
      const embedded = plain.engine === "pglite";
      const { leaks } = await sendUndeliverable(plain, "dave@example.com", "Your code is 666777");
      expect(leaks.length > 0).toBe(embedded);
      expect(plain.logs.some((line) => line.includes("no SMTP_URL: codes are written to this log"))).toBe(embedded);
    } finally {
      await plain.close();
    }
  });
});
