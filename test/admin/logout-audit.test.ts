import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminOk, adminTransports } from "./admin-client.js";
import { hankoUser, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// A Hanko logout's session.revoked event names the user, so the user's trail shows it.

let world: AdminWorld;
beforeAll(async () => {
  world = await startAdminWorld();
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

describe.each(adminTransports)("Hanko logout in the audit trail over %s", (transport) => {
  it("lists the logout among the events filtered by the user, once", async () => {
    const user = await hankoUser(world);
    const before = (await adminOk(transport, world.server, "listAuditEvents", { filter: { userId: user.userId, types: ["session.revoked"] } })).events as unknown[];
    expect(before).toHaveLength(0);
    expect((await rest(world.server.url, "POST", "/logout", { headers: user.bearer })).status).toBeLessThan(300);
    const events = (await adminOk(transport, world.server, "listAuditEvents", { filter: { userId: user.userId, types: ["session.revoked"] } })).events as Array<{ userId: string; product: string }>;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId: user.userId, product: "hanko" });
  });
});
