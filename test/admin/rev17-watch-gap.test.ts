import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../../gen/es/tessera/admin/v1/admin_pb.js";
import { createAuditStore } from "../../src/store/audit/audit.store.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { freshEmail } from "../authenticator/authenticator-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminKey, adminOk } from "./admin-client.js";

// Review of issue 17: WatchAuditEvents reads "sequence > last seen", but sequences are taken at
// insert and committed in another order. An event whose transaction commits after a later
// sequence was streamed is never streamed. Needs concurrent transactions: PostgreSQL only.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ADMIN_API_KEY: adminKey });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
});

async function nextWithin<T>(iterator: AsyncIterator<T>, ms: number): Promise<T | "none"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"none">((resolve) => (timer = setTimeout(() => resolve("none"), ms)));
  try {
    return await Promise.race([iterator.next().then((r) => (r.done ? ("none" as const) : r.value)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(process.env.TEST_DATABASE_URL === undefined)("review 17: WatchAuditEvents and commit order", () => {
  it("streams an event whose transaction commits after a later event was streamed", async () => {
    const db = server.app.database.db;
    const first = await rest(server.url, "POST", "/users", { body: { email: freshEmail() } });
    expect(first.status).toBe(200);
    const newest = (await adminOk("rest", server, "listAuditEvents", { filter: { types: ["user.signed_up"] }, pageSize: 1 })).events as Array<{ id: string }>;
    const abort = new AbortController();
    const client = createClient(AdminService, createGrpcTransport({ baseUrl: server.app.adminUrl }));
    const stream = client.watchAuditEvents({ filter: { types: ["user.signed_up"] }, afterEventId: newest[0]!.id }, { signal: abort.signal, headers: { authorization: `Bearer ${adminKey}` } });
    const events = stream[Symbol.asyncIterator]();
    const slowId = randomUUID();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
    // A slow act: its event takes a sequence now and commits later.
    const slow = db.transaction().execute(async (tx) => {
      await createAuditStore(db).insert(tx, { id: slowId, occurredAt: new Date(), tenantId: defaultTenantId, type: "user.signed_up", outcome: "success", product: "hanko", userId: null, reason: "", clientIp: null, userAgent: null, actor: null, details: {} });
      inserted();
      await gate;
    });
    await insertedYet;
    // A quick act after it, committed first.
    const quick = await rest(server.url, "POST", "/users", { body: { email: freshEmail() } });
    expect(quick.status).toBe(200);
    const seen: string[] = [];
    const a = await nextWithin(events, 5000);
    if (a !== "none") seen.push(a.event!.id);
    release();
    await slow;
    const b = await nextWithin(events, 5000);
    if (b !== "none") seen.push(b.event!.id);
    abort.abort();
    expect(seen.length, "both events streamed").toBe(2);
    expect(seen).toContain(slowId);
  }, 30_000);
});
