import { afterAll, beforeAll, expect, it } from "vitest";
import { createOutboxWorker } from "../../src/delivery/outbox-worker.js";
import { createOutboxQueue, enqueueMessage } from "../../src/store/outbox/outbox.store.js";
import type { PendingMessage } from "../../src/delivery/outbox.port.js";
import { createLogger } from "../../src/log.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { startTestServer, type TestServer } from "../harness/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.app.outbox.stop();
});
afterAll(() => server?.close());

// Issue 13, point 8: shutdown "drains the outbox claim it holds back to the queue". A send that
// hangs (an SMTP server that accepts and then trickles) holds stop() for the whole per-message
// timeout (15 s shipped), after SHUTDOWN_GRACE_SECONDS was already spent on the listener.
it("hands the claim of a hanging send back at once when it stops", async () => {
  await server.app.database.db.transaction().execute((tx) => enqueueMessage(tx, { tenantId: defaultTenantId, channel: "email", recipient: "hang@example.com", subject: "s", body: "b" }));
  const worker = createOutboxWorker({ queue: createOutboxQueue(server.app.database.db), send: (_message: PendingMessage) => new Promise<void>(() => undefined), logger: createLogger("error") });
  worker.start();
  await expect.poll(async () => (await server.app.database.db.selectFrom("outbox").select("claimed_until").where("recipient", "=", "hang@example.com").executeTakeFirstOrThrow()).claimed_until).not.toBeNull();
  const started = Date.now();
  await worker.stop();
  expect(Date.now() - started).toBeLessThan(2_000);
  const row = await server.app.database.db.selectFrom("outbox").selectAll().where("recipient", "=", "hang@example.com").executeTakeFirstOrThrow();
  expect(row.claimed_until).toBeNull();
}, 30_000);

// A send cut short before its message went out is handed back due at once, its attempt not
// counted; one that may have arrived (the sender did not stop, or says the data went out) waits
// a full backoff step, so stopping never makes a replica send it again at once.
it.each([
  { name: "a sender that stops when aborted", send: (_message: PendingMessage, signal: AbortSignal) => new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")))), dueAtOnce: true },
  { name: "a sender that ignores the abort", send: (_message: PendingMessage) => new Promise<void>(() => undefined), dueAtOnce: false },
])("on stop, $name: due again at once = $dueAtOnce", async ({ name, send, dueAtOnce }) => {
  const recipient = `${name.replaceAll(" ", "-")}@example.com`;
  await server.app.database.db.transaction().execute((tx) => enqueueMessage(tx, { tenantId: defaultTenantId, channel: "email", recipient, subject: "s", body: "b" }));
  const worker = createOutboxWorker({ queue: createOutboxQueue(server.app.database.db), send, logger: createLogger("error"), settings: { baseDelaySeconds: 30 } });
  worker.start();
  await expect.poll(async () => (await server.app.database.db.selectFrom("outbox").select("claimed_until").where("recipient", "=", recipient).executeTakeFirstOrThrow()).claimed_until).not.toBeNull();
  await worker.stop();
  const row = await server.app.database.db.selectFrom("outbox").selectAll().where("recipient", "=", recipient).executeTakeFirstOrThrow();
  expect(row.claimed_until).toBeNull();
  expect(row.next_attempt_at.getTime() <= Date.now()).toBe(dueAtOnce);
  expect(row.attempts).toBe(dueAtOnce ? 0 : 1);
}, 30_000);
