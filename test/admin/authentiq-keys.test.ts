import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshEmail, newIdentity, register, registration, selfSigned, sendJwt, type Identity } from "../authentiq/authentiq-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminCall, adminOk, adminTransports } from "./admin-client.js";
import { startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// A stolen Authentiq key (a device lost with its private key) must be removable by the operator,
// not only by whoever holds its revocation secret: listed, deleted with an audit event, and dead
// in the Authentiq API from then on.

let world: AdminWorld;
beforeAll(async () => {
  world = await startAdminWorld();
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

type Key = { pk: string; created: string; revoked?: string; contactBound?: boolean; pushRegistered?: boolean };

/** A registered key with an email scope job it opened and confirmed (not yet signed). */
async function keyWithJob(): Promise<{ id: Identity; secret: string; job: string }> {
  const id = newIdentity();
  const secret = await register(world.server.url, id);
  const created = await sendJwt(world.server.url, "POST", "/scope", await selfSigned(id, { scope: "email", email: freshEmail() }));
  expect(created.status, created.text).toBe(201);
  const job = (created.json as { job: string }).job;
  expect((await rest(world.server.url, "POST", `/scope/${job}`)).status).toBe(202);
  return { id, secret, job };
}

describe.each(adminTransports)("Authentiq keys over %s", (transport) => {
  const allKeys = async (includeRevoked: boolean): Promise<Key[]> => {
    const keys: Key[] = [];
    let pageToken = "";
    for (let page = 0; page < 50; page++) {
      const answer = await adminOk(transport, world.server, "listAuthentiqKeys", { pageSize: 2, ...(includeRevoked ? { includeRevoked } : {}), ...(pageToken === "" ? {} : { pageToken }) });
      keys.push(...((answer.keys ?? []) as Key[]));
      pageToken = String(answer.nextPageToken ?? "");
      if (pageToken === "") break;
    }
    return keys;
  };

  it("lists the registered keys newest first without their secrets, and deletes one for good", async () => {
    const older = await keyWithJob();
    const newer = await keyWithJob();
    const listed = await allKeys(false);
    const pks = listed.map((key) => key.pk);
    expect(pks).toContain(older.id.pk);
    expect(pks.indexOf(newer.id.pk), "newest first").toBeLessThan(pks.indexOf(older.id.pk));
    expect(new Set(pks).size, "no key on two pages").toBe(pks.length);
    expect(listed.find((key) => key.pk === newer.id.pk)).toMatchObject({ pushRegistered: true, created: expect.any(String) });
    expect(JSON.stringify(listed)).not.toContain(newer.secret);

    expect(await adminOk(transport, world.server, "deleteAuthentiqKey", { pk: newer.id.pk })).toEqual({});

    // The key is dead in the Authentiq API: read, signed for, used to start a job or registered again.
    const got = await rest(world.server.url, "GET", `/key/${newer.id.pk}`);
    expect(got.status).toBe(410);
    expect(got.json).toMatchObject({ type: "revoked-key" });
    const signed = await rest(world.server.url, "PUT", `/scope/${newer.job}`);
    expect(signed.status, signed.text).toBe(410);
    expect((await sendJwt(world.server.url, "POST", "/scope", await selfSigned(newer.id, { scope: "email", email: freshEmail() }))).status).toBe(410);
    expect((await sendJwt(world.server.url, "POST", "/key", await registration(newer.id))).status).toBe(409);
    expect(await adminOk(transport, world.server, "introspectToken", { token: newer.id.pk })).toMatchObject({ active: false });
    // The other key is untouched.
    expect((await rest(world.server.url, "GET", `/key/${older.id.pk}`)).status).toBe(200);

    expect((await allKeys(false)).map((key) => key.pk)).not.toContain(newer.id.pk);
    expect((await allKeys(true)).find((key) => key.pk === newer.id.pk)).toMatchObject({ revoked: expect.any(String) });

    const events = await sql<{ product: string; outcome: string; actor: string | null; user_id: string | null; details: Record<string, unknown> }>`
      select product, outcome, actor, user_id, details from audit_events where type = 'credential.removed' and details->>'key' = ${newer.id.pk}`.execute(world.server.app.database.db);
    expect(events.rows).toEqual([{ product: "admin", outcome: "success", actor: expect.stringMatching(/^[0-9a-f]{8}$/), user_id: null, details: expect.objectContaining({ kind: "authentiq_key", key: newer.id.pk }) }]);

    expect(await adminCall(transport, world.server, "deleteAuthentiqKey", { pk: newer.id.pk })).toMatchObject({ ok: false, error: "not_found" });
    expect(await adminCall(transport, world.server, "deleteAuthentiqKey", { pk: newIdentity().pk })).toMatchObject({ ok: false, error: "not_found" });
    expect(await adminCall(transport, world.server, "deleteAuthentiqKey", { pk: "not-a-key" })).toMatchObject({ ok: false, error: "invalid_argument" });
  });

  it("refuses a bad page and a call without the admin key", async () => {
    expect(await adminCall(transport, world.server, "listAuthentiqKeys", { pageToken: "garbage" })).toMatchObject({ ok: false, error: "invalid_argument" });
    expect(await adminCall(transport, world.server, "listAuthentiqKeys", { pageSize: 201 })).toMatchObject({ ok: false, error: "invalid_argument" });
    expect(await adminCall(transport, world.server, "listAuthentiqKeys", {}, null)).toMatchObject({ ok: false, error: "unauthenticated" });
    const { id } = await keyWithJob();
    expect(await adminCall(transport, world.server, "deleteAuthentiqKey", { pk: id.pk }, null)).toMatchObject({ ok: false, error: "unauthenticated" });
    expect((await rest(world.server.url, "GET", `/key/${id.pk}`)).status).toBe(200);
  });
});
