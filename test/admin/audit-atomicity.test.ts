import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminCall, adminTransports } from "./admin-client.js";
import { hankoUser, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// An act and its audit event commit or fail together: with the audit insert made to fail (a
// trigger this file installs, raising an outage's SQLSTATE for the event types named in
// audit_fault), the act answers unavailable and leaves nothing of itself behind.

let world: AdminWorld;
const db = () => world.server.app.database.db;

beforeAll(async () => {
  world = await startAdminWorld({ HANKO_ALLOW_DELETION: "true" });
  await sql`create table audit_fault (type text primary key)`.execute(db());
  await sql`create function audit_fault_raise() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from audit_fault where type = new.type) then
        raise exception 'audit insert refused by the test' using errcode = '57P03';
      end if;
      return new;
    end $$`.execute(db());
  await sql`create trigger audit_fault_trigger before insert on audit_events for each row execute function audit_fault_raise()`.execute(db());
});
afterEach(async () => {
  await sql`delete from audit_fault`.execute(db());
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

const failAudit = (type: string) => sql`insert into audit_fault (type) values (${type})`.execute(db());

/** How many rows of each table holding `user_id` are the user's (the audit trail aside), and whether the user row is there. */
async function footprint(userId: string): Promise<Record<string, number>> {
  const tables = (await sql<{ table_name: string }>`select table_name from information_schema.columns where column_name = 'user_id' and table_schema = current_schema()`.execute(db())).rows
    .map((row) => row.table_name)
    .filter((table) => table !== "audit_events" && table !== "audit_fault");
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where user_id::text = ${userId}`.execute(db());
    if ((rows[0]?.n ?? 0) > 0) counts[table] = rows[0]!.n;
  }
  const user = await sql<{ n: number }>`select count(*)::int as n from users where id = ${userId}::uuid`.execute(db());
  counts.users = user.rows[0]!.n;
  return counts;
}

const eventsOf = async (userId: string, type: string) => (await sql<{ n: number }>`select count(*)::int as n from audit_events where user_id::text = ${userId} and type = ${type}`.execute(db())).rows[0]!.n;

describe.each(adminTransports)("admin acts whose audit event cannot be written, over %s", (transport) => {
  it("DeleteUser answers unavailable and the user keeps every row; RevokeUserSessions and LockUser likewise", async () => {
    const user = await hankoUser(world);
    const before = await footprint(user.userId);
    expect(before).toMatchObject({ users: 1, emails: 1, passwords: 1, sessions: 1 });

    await failAudit("user.deleted");
    const deleted = await adminCall(transport, world.server, "deleteUser", { userId: user.userId });
    expect(deleted).toMatchObject({ ok: false, error: "unavailable" });
    expect(deleted.ok ? "ok" : deleted.status).toBe(transport === "rest" ? 503 : undefined);
    expect(await footprint(user.userId)).toEqual(before);
    expect(await eventsOf(user.userId, "user.deleted")).toBe(0);

    await failAudit("session.revoked");
    expect(await adminCall(transport, world.server, "revokeUserSessions", { userId: user.userId })).toMatchObject({ ok: false, error: "unavailable" });
    expect((await rest(world.server.url, "GET", "/me", { headers: user.bearer })).status).toBe(200);

    await failAudit("user.locked");
    expect(await adminCall(transport, world.server, "lockUser", { userId: user.userId })).toMatchObject({ ok: false, error: "unavailable" });
    expect((await sql<{ locked_at: Date | null }>`select locked_at from users where id = ${user.userId}::uuid`.execute(db())).rows[0]?.locked_at).toBeNull();
  });
});

describe("product acts whose audit event cannot be written", () => {
  it("Hanko DELETE /user and POST /logout answer 503 and change nothing", async () => {
    const user = await hankoUser(world);
    const before = await footprint(user.userId);

    await failAudit("user.deleted");
    expect((await rest(world.server.url, "DELETE", "/user", { headers: user.bearer })).status).toBe(503);
    expect(await footprint(user.userId)).toEqual(before);

    await failAudit("session.revoked");
    expect((await rest(world.server.url, "POST", "/logout", { headers: user.bearer })).status).toBe(503);
    expect((await rest(world.server.url, "GET", "/me", { headers: user.bearer })).status).toBe(200);
    expect(await eventsOf(user.userId, "session.revoked")).toBe(0);
  });
});
