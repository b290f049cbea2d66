import { afterAll, beforeAll, expect, it } from "vitest";
import { createOutboxWorker } from "../../src/delivery/outbox-worker.js";
import { enqueueMessage, type OutboxRow } from "../../src/delivery/outbox.store.js";
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
  const worker = createOutboxWorker({ db: server.app.database.db, send: (_message: OutboxRow) => new Promise<void>(() => undefined), logger: createLogger("error") });
  worker.start();
  await expect.poll(async () => (await server.app.database.db.selectFrom("outbox").select("claimed_until").where("recipient", "=", "hang@example.com").executeTakeFirstOrThrow()).claimed_until).not.toBeNull();
  const started = Date.now();
  await worker.stop();
  expect(Date.now() - started).toBeLessThan(2_000);
  const row = await server.app.database.db.selectFrom("outbox").selectAll().where("recipient", "=", "hang@example.com").executeTakeFirstOrThrow();
  expect(row.claimed_until).toBeNull();
}, 30_000);
