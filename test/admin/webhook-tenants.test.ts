import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newIdentity, register } from "../authentiq/authentiq-client.js";
import { createAccessPoint, newName, registerKey } from "../authfi/authfi-client.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminOk, adminTransports } from "./admin-client.js";
import { hankoPasskey, hankoUser, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// The operator's webhooks hear every product: an AuthFi access point is a tenant of its own, and
// its events must reach a webhook subscribed to their type as the default tenant's do.

let world: AdminWorld;
beforeAll(async () => {
  world = await startAdminWorld();
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

/** The ids of the `credential.registered` events of the acts, by product. */
async function registrations(): Promise<Record<string, string>> {
  const { server } = world;
  const hanko = await hankoUser(world);
  await hankoPasskey(world, hanko);
  const key = newIdentity();
  await register(server.url, key);
  const seeded = await registerKey(server, newName("seeded"));
  const other = await createAccessPoint(server, { slug: `other${randomBytes(4).toString("hex")}` });
  const elsewhere = await registerKey(server, newName("other"), "none", { ap: other.slug, key: other.apiKey });
  const idOf = async (condition: ReturnType<typeof sql>) =>
    (await sql<{ id: string }>`select id::text from audit_events where type = 'credential.registered' and ${condition}`.execute(server.app.database.db)).rows.map((row) => row.id);
  const credentialEvent = async (credentialId: string) => idOf(sql`details->>'credential_id' = ${credentialId}`);
  const found = {
    hanko: await idOf(sql`user_id::text = ${hanko.userId}`),
    authentiq: await idOf(sql`details->>'key' = ${key.pk}`),
    "seeded AuthFi access point": await credentialEvent(seeded.keyId),
    "another AuthFi access point": await credentialEvent(elsewhere.keyId),
  };
  for (const ids of Object.values(found)) expect(ids).toHaveLength(1);
  return Object.fromEntries(Object.entries(found).map(([name, ids]) => [name, ids[0]!]));
}

describe.each(adminTransports)("a webhook created over %s", (transport) => {
  it("is queued the events of its type from every product and every AuthFi access point", async () => {
    const created = await adminOk(transport, world.server, "createWebhook", { url: "http://127.0.0.1:9/never", eventTypes: ["credential.registered"] });
    const webhookId = String((created.webhook as { id: string }).id);
    const events = await registrations();
    const listed = await adminOk(transport, world.server, "listWebhookDeliveries", { webhookId, pageSize: 200 });
    const delivered = ((listed.deliveries ?? []) as Array<{ eventId: string }>).map((delivery) => delivery.eventId);
    for (const [source, eventId] of Object.entries(events)) expect(delivered, source).toContain(eventId);
    expect(delivered, "nothing of another type").toHaveLength(Object.keys(events).length);
  }, 60_000);
});
