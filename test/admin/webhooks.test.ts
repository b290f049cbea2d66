import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminCall, adminKey, adminOk, adminTransports } from "./admin-client.js";
import { hankoUser } from "./admin-fixtures.js";

/** One POST the receiver got: raw body and the Standard Webhooks headers. */
interface Received {
  body: string;
  headers: Record<string, string>;
  status: number;
}

/** A receiver that answers `503` while `down`, 200 otherwise, and keeps every request. */
function startReceiver() {
  const received: Received[] = [];
  let down = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const status = down > 0 ? 503 : 200;
      if (down > 0) down--;
      const headers = Object.fromEntries(["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [name, String(request.headers[name] ?? "")]));
      received.push({ body: Buffer.concat(chunks).toString("utf8"), headers, status });
      response.writeHead(status).end();
    });
  });
  return {
    received,
    failNext: (count: number) => void (down = count),
    listen: () => new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let server: TestServer;
let smtp: SmtpSink;
let sms: WebhookSink;
const receiver = startReceiver();
let url: string;

beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startWebhookSink();
  url = await receiver.listen();
  server = await startTestServer(
    { ADMIN_API_KEY: adminKey, SMTP_URL: smtp.url, SMS_WEBHOOK_URL: sms.url, HANKO_PASSWORDS_ENABLED: "true" },
    { outbox: { pollMs: 50, baseDelaySeconds: 0.1, maxDelaySeconds: 0.2 } },
  );
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
  await receiver.close();
  await smtp?.close();
  await sms?.close();
});

type Data = { id: string; type: string; user_id: string | null };

describe("webhooks", () => {
  it("deliver every event of a user, signed, in order, through a receiver outage; a tampered one does not verify", async () => {
    const created = await adminOk("rest", server, "createWebhook", { url, eventTypes: [] });
    const secret = String(created.secret);
    expect(secret).toMatch(/^whsec_/);
    const webhookId = String((created.webhook as { id: string }).id);
    // The receiver is down for the first three deliveries: they are retried, and the user's later events wait.
    receiver.failNext(3);
    const user = await hankoUser({ server, sinks: { smtp, sms }, close: async () => {} });
    const db = server.app.database.db;
    const expected = (await sql<{ id: string }>`select id from audit_events where user_id = ${user.userId} order by sequence`.execute(db)).rows.map((row) => row.id);
    expect(expected.length).toBeGreaterThanOrEqual(5);

    const verifier = new Webhook(secret);
    const delivered = () =>
      receiver.received
        .filter((request) => request.status === 200)
        .map((request) => (verifier.verify(request.body, request.headers) as { data: Data }).data)
        .filter((data) => data.user_id === user.userId);
    await expect.poll(() => delivered().length, { timeout: 15_000 }).toBe(expected.length);
    // Each event once, in the order it happened (at least once: a duplicate would keep its webhook-id).
    expect(delivered().map((data) => data.id)).toEqual(expected);
    expect(receiver.received.filter((request) => request.status === 503)).toHaveLength(3);
    // A retry carries the same webhook-id as the refused attempt.
    // The first request about this user (the admin's own createWebhook event, which has no user, is ordered apart).
    const first = receiver.received.find((request) => request.body.includes(user.userId))!;
    const firstTries = receiver.received.filter((request) => request.headers["webhook-id"] === first.headers["webhook-id"]).map((request) => request.status);
    expect(firstTries.length).toBeGreaterThanOrEqual(2);
    expect(firstTries).toEqual([...Array<number>(firstTries.length - 1).fill(503), 200]);

    // The same verifier refuses a changed body, a changed signature and another secret.
    const ok = receiver.received.find((request) => request.status === 200 && request.body.includes(user.userId))!;
    expect(() => verifier.verify(ok.body, ok.headers)).not.toThrow();
    expect(() => verifier.verify(ok.body.replace(user.userId, "00000000-0000-4000-8000-000000000000"), ok.headers)).toThrow();
    const signature = ok.headers["webhook-signature"]!;
    const flipped = signature.slice(0, -2) + (signature.at(-2) === "A" ? "B" : "A") + signature.at(-1);
    expect(() => verifier.verify(ok.body, { ...ok.headers, "webhook-signature": flipped })).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`).verify(ok.body, ok.headers)).toThrow();
    expect(ok.body).not.toContain(user.password);
    expect(ok.body).not.toContain(user.token);

    // The delivery log: the first delivery took as many attempts as the receiver saw, the last answered 200.
    for (const transport of adminTransports) {
      const log = await adminOk(transport, server, "listWebhookDeliveries", { webhookId, pageSize: 200 });
      const deliveries = log.deliveries as Array<{ id: string; status: string; attempts: number; lastStatusCode: number }>;
      const retried = deliveries.find((delivery) => delivery.id === first.headers["webhook-id"]);
      expect(retried).toMatchObject({ status: "delivered", attempts: firstTries.length, lastStatusCode: 200 });
    }
  }, 30_000);
});

describe.each(adminTransports)("webhook management over %s", (transport) => {
  it("creates, lists, updates and deletes a webhook, and refuses bad input", async () => {
    const created = await adminOk(transport, server, "createWebhook", { url: "https://hooks.example/a", eventTypes: ["login.failed"] });
    const id = String((created.webhook as { id: string }).id);
    expect(created.webhook).toMatchObject({ url: "https://hooks.example/a", eventTypes: ["login.failed"], enabled: true });
    const listed = (await adminOk(transport, server, "listWebhooks")).webhooks as Array<Record<string, unknown>>;
    expect(listed.find((hook) => hook.id === id)).toMatchObject({ url: "https://hooks.example/a" });
    expect(JSON.stringify(listed)).not.toContain(String(created.secret));
    const updated = await adminOk(transport, server, "updateWebhook", { webhookId: id, enabled: false, replaceEventTypes: true, eventTypes: ["login.failed", "login.succeeded"] });
    expect(updated.webhook).toMatchObject({ enabled: false, eventTypes: ["login.failed", "login.succeeded"] });
    expect(await adminCall(transport, server, "createWebhook", { url: "ftp://hooks.example/a" })).toMatchObject({ ok: false, error: "invalid_argument" });
    expect(await adminCall(transport, server, "createWebhook", { url: "https://hooks.example/a", eventTypes: ["nope"] })).toMatchObject({ ok: false, error: "invalid_argument" });
    expect(await adminCall(transport, server, "createWebhook", { url: "https://hooks.example/a" }, null)).toMatchObject({ ok: false, error: "unauthenticated" });
    expect(await adminOk(transport, server, "deleteWebhook", { webhookId: id })).toEqual({});
    expect(await adminCall(transport, server, "deleteWebhook", { webhookId: id })).toMatchObject({ ok: false, error: "not_found" });
    expect(await adminCall(transport, server, "listWebhookDeliveries", { webhookId: id })).toMatchObject({ ok: false, error: "not_found" });
  });
});
