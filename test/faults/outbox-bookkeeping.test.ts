import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboxWorker, defaultOutboxSettings } from "../../src/delivery/outbox-worker.js";
import { claimDueMessages, createOutboxQueue, enqueueMessage } from "../../src/store/outbox/outbox.store.js";
import type { PendingMessage } from "../../src/delivery/outbox.port.js";
import { createLogger } from "../../src/log.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { startTestServer, type TestServer } from "../harness/server.js";

/** Fails the next `count` UPDATEs that set `sent_at` with a connection error, as a database blip would. */
class FailMarkSent implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (this.count > 0 && node.kind === "UpdateQueryNode" && JSON.stringify(node.updates ?? []).includes('"sent_at"')) {
      this.count--;
      throw Object.assign(new Error("Connection terminated unexpectedly"), { code: "ECONNRESET" });
    }
    return node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // The server's own worker stays out of the way: these tests drive workers of their own.
  await server.app.outbox.stop();
});
afterAll(() => server?.close());

async function enqueue(recipient: string): Promise<void> {
  await server.app.database.db.transaction().execute((tx) => enqueueMessage(tx, { tenantId: defaultTenantId, channel: "sms", recipient, body: `for ${recipient}` }));
}

describe("the outbox's own bookkeeping", () => {
  // Measured before: a message whose send succeeded and whose markSent failed was sent again
  // when its lease ran out, and the log said "message not delivered".
  it("records a successful send however often the database refuses, and sends it once", async () => {
    const failing = new FailMarkSent();
    failing.count = 4;
    const sent: string[] = [];
    const logs: string[] = [];
    const worker = createOutboxWorker({
      queue: createOutboxQueue(server.app.database.db.withPlugin(failing)),
      send: async (message: PendingMessage) => void sent.push(message.recipient),
      logger: createLogger("debug", (line) => logs.push(line)),
      settings: { pollMs: 50 },
    });
    await enqueue("+15551000");
    worker.start();
    try {
      await expect.poll(async () => (await server.app.database.db.selectFrom("outbox").select("sent_at").where("recipient", "=", "+15551000").executeTakeFirstOrThrow()).sent_at, { timeout: 10_000 }).not.toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(failing.count).toBe(0);
      expect(sent).toEqual(["+15551000"]);
      expect(logs.some((line) => line.includes("not delivered"))).toBe(false);
      expect(logs.some((line) => line.includes("recording it failed"))).toBe(true);
    } finally {
      await worker.stop();
    }
  });

  // Measured before: a replica killed with kill -9 held its claimed rows for the whole 60 s lease.
  it("delivers the claims of a replica that died without a word within 15 s, with the shipped lease", async () => {
    await enqueue("+15551001");
    // A replica claims the message and dies: no send, no release, no renewal.
    const claimed = await claimDueMessages(server.app.database.db, "sms", 10, defaultOutboxSettings.leaseSeconds);
    expect(claimed.map((row) => row.recipient)).toContain("+15551001");
    const diedAt = Date.now();
    let deliveredAt: number | undefined;
    const worker = createOutboxWorker({
      queue: createOutboxQueue(server.app.database.db),
      send: async (message: PendingMessage) => {
        if (message.recipient === "+15551001") deliveredAt = Date.now();
      },
      logger: createLogger("error"),
    });
    worker.start();
    try {
      await expect.poll(() => deliveredAt, { timeout: 16_000, interval: 100 }).toBeDefined();
      expect(deliveredAt! - diedAt).toBeLessThanOrEqual(15_000);
    } finally {
      await worker.stop();
    }
  }, 20_000);

  it("hands its claims back to the queue when it stops in the middle of a send", async () => {
    await enqueue("+15551002");
    let release: () => void = () => undefined;
    const worker = createOutboxWorker({
      queue: createOutboxQueue(server.app.database.db),
      send: (message: PendingMessage) =>
        message.recipient === "+15551002" ? new Promise<void>((_, reject) => (release = () => reject(new Error("stopped mid-send")))) : Promise.resolve(),
      logger: createLogger("error"),
    });
    worker.start();
    await expect.poll(async () => (await server.app.database.db.selectFrom("outbox").select("claimed_until").where("recipient", "=", "+15551002").executeTakeFirstOrThrow()).claimed_until).not.toBeNull();
    const stopped = worker.stop();
    release();
    await stopped;
    const row = await server.app.database.db.selectFrom("outbox").selectAll().where("recipient", "=", "+15551002").executeTakeFirstOrThrow();
    expect(row.claimed_until).toBeNull();
    expect(row.sent_at).toBeNull();
    expect(row.next_attempt_at.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
  });
});
