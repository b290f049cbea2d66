import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { createOneTimeTokens } from "../../src/core/session/one-time-token.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createOneTimeTokenStore } from "../../src/store/session/one-time-token.store.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminOk } from "./admin-client.js";
import { hankoUser, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// Review of issue 17: holes found, each a test that fails on the reviewed main.

let world: AdminWorld;
beforeAll(async () => {
  world = await startAdminWorld();
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

describe("review 17", () => {
  it("RevokeUserSessions also ends a Hanko one-time login token the user holds (it mints a fresh session)", async () => {
    const user = await hankoUser(world);
    const tokens = createOneTimeTokens({ store: createOneTimeTokenStore(world.server.app.database.db, defaultTenantId), secrets: world.server.app.secrets, clock: systemClock });
    const token = await tokens.issue(user.userId, 300);
    const typesOf = async () => ((await adminOk("rest", world.server, "listUserSessions", { userId: user.userId })).sessions as Array<{ type: string }>).map((s) => s.type);
    expect(await typesOf(), "the live token is listed").toContain("hanko_one_time_token");
    await adminOk("rest", world.server, "revokeUserSessions", { userId: user.userId });
    expect(await typesOf()).not.toContain("hanko_one_time_token");
    expect(await adminOk("rest", world.server, "introspectToken", { token })).toMatchObject({ active: false });
    const exchanged = await rest(world.server.url, "POST", "/token", { body: { value: token } });
    expect(exchanged.status, "a revoke-all leaves no way back into the account").toBeGreaterThanOrEqual(400);
  });
});
