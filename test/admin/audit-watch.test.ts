import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminService } from "../../gen/es/tessera/admin/v1/admin_pb.js";
import { startApp, type App } from "../../src/app.js";
import { loadConfig } from "../../src/config/config.js";
import { createLogger } from "../../src/log.js";
import { freshEmail } from "../authenticator/authenticator-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { adminKey, adminOk } from "./admin-client.js";

const transports: Record<string, (baseUrl: string) => Transport> = {
  grpc: (baseUrl) => createGrpcTransport({ baseUrl }),
  connect: (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1" }),
};
const headers = { authorization: `Bearer ${adminKey}` };

/** A Hanko sign-up on `url`: its user id (a `user.signed_up` event). */
async function signUp(url: string): Promise<string> {
  const created = await rest(url, "POST", "/users", { body: { email: freshEmail() } });
  expect(created.status, created.text).toBe(200);
  return (created.json as { user_id: string }).user_id;
}

/** The next event of a watch, or "none" after `ms`. */
async function nextWithin<T>(iterator: AsyncIterator<T>, ms: number): Promise<T | "none"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"none">((resolve) => (timer = setTimeout(() => resolve("none"), ms)));
  const next = iterator.next().then((result) => (result.done ? ("none" as const) : result.value));
  try {
    return await Promise.race([next, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens WatchAuditEvents on `adminUrl` after the newest user.signed_up event. */
async function watchSignUps(server: TestServer, transport: string, signal: AbortSignal) {
  const newest = (await adminOk("rest", server, "listAuditEvents", { filter: { types: ["user.signed_up"] }, pageSize: 1 })).events as Array<{ id: string }>;
  const client = createClient(AdminService, transports[transport]!(server.app.adminUrl));
  const stream = client.watchAuditEvents({ filter: { types: ["user.signed_up"] }, afterEventId: newest[0]?.id ?? "" }, { signal, headers });
  return stream[Symbol.asyncIterator]();
}

describe.each(Object.keys(transports))("WatchAuditEvents over %s", (transport) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ADMIN_API_KEY: adminKey });
    await signUp(server.url);
  });
  afterAll(async () => {
    closeGrpcClients();
    await server?.close();
  });

  it("streams the events written after the one named, matching the filter, and refuses a call without the key", async () => {
    const abort = new AbortController();
    const events = await watchSignUps(server, transport, abort.signal);
    const userId = await signUp(server.url);
    const next = await nextWithin(events, 5_000);
    expect(next).not.toBe("none");
    expect((next as { event?: { type: string; userId: string; product: string } }).event).toMatchObject({ type: "user.signed_up", userId, product: "hanko" });
    abort.abort();

    const refused = createClient(AdminService, transports[transport]!(server.app.adminUrl)).watchAuditEvents({});
    await expect(refused[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 16 });
  });
});

// Two replicas need one database both reach: PGlite lives inside one process, so this runs on PostgreSQL only.
describe.runIf(process.env.TEST_DATABASE_URL)("WatchAuditEvents on PostgreSQL", () => {
  let first: TestServer;
  let second: App;
  beforeAll(async () => {
    // Polling once a minute: an event of the other replica arrives within seconds only through LISTEN/NOTIFY.
    first = await startTestServer({ ADMIN_API_KEY: adminKey }, { auditWatch: { pollMs: 60_000 } });
    await signUp(first.url);
    second = await startApp(loadConfig(first.env), { logger: createLogger("error"), host: "127.0.0.1" });
  });
  afterAll(async () => {
    closeGrpcClients();
    await second?.close();
    await first?.close();
  });

  it.each(Object.keys(transports))("sees over %s an event written by another server on the same database", async (transport) => {
    const abort = new AbortController();
    const events = await watchSignUps(first, transport, abort.signal);
    const userId = await signUp(second.url);
    const next = await nextWithin(events, 3_000);
    abort.abort();
    expect(next).not.toBe("none");
    expect((next as { event?: { userId: string } }).event?.userId).toBe(userId);
  });
});
