import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminOk } from "./admin-client.js";
import { hankoDiscoverableAttempt, hankoPasskey, hankoPasskeyAttempt, hankoUser, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// Issue 17 prices the audit write at most 15 % of a passkey login: the login's two events (the
// ceremony's login.succeeded, the session's session.issued) are written by one statement of the
// login's transaction, each still queued for the webhook endpoint through the outbox. A
// statement trigger this file installs counts the statements that insert into audit_events.

let world: AdminWorld;
const db = () => world.server.app.database.db;

beforeAll(async () => {
  world = await startAdminWorld();
  await sql`create table audit_statements (at timestamptz not null default clock_timestamp())`.execute(db());
  await sql`create function audit_statement_count() returns trigger language plpgsql as $$
    begin
      insert into audit_statements default values;
      return null;
    end $$`.execute(db());
  await sql`create trigger audit_statement_trigger after insert on audit_events for each statement execute function audit_statement_count()`.execute(db());
  await adminOk("rest", world.server, "createWebhook", { url: "http://127.0.0.1:9/never" });
});
beforeEach(async () => {
  await sql`delete from audit_statements`.execute(db());
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

const statements = async () => (await sql<{ n: number }>`select count(*)::int as n from audit_statements`.execute(db())).rows[0]!.n;

/** The user's events after `after` (a sequence), oldest first, with how many webhook deliveries each has queued. */
async function eventsOf(userId: string, after: string) {
  const { rows } = await sql<{ type: string; deliveries: number }>`
    select event.type, (select count(*)::int from webhook_deliveries delivery where delivery.event_id = event.id) as deliveries
    from audit_events event where event.user_id = ${userId} and event.sequence > ${after}::bigint order by event.sequence`.execute(db());
  return rows;
}
const latest = async () => (await sql<{ s: string }>`select coalesce(max(sequence), 0)::text as s from audit_events`.execute(db())).rows[0]!.s;

const logins = [
  ["named", hankoPasskeyAttempt],
  ["discoverable", (w: AdminWorld, _userId: string, credential: Parameters<typeof hankoDiscoverableAttempt>[1]) => hankoDiscoverableAttempt(w, credential)],
] as const;

describe.each(logins)("a Hanko passkey login (%s), over REST", (_kind, attempt) => {
  it("writes login.succeeded and session.issued in one statement, each queued for the webhook", async () => {
    const user = await hankoUser(world);
    const passkey = await hankoPasskey(world, user);
    const after = await latest();
    await sql`delete from audit_statements`.execute(db());

    const login = await attempt(world, user.userId, passkey);
    expect(login.status, login.text).toBe(200);

    expect(await statements()).toBe(1);
    expect(await eventsOf(user.userId, after)).toEqual([
      { type: "login.succeeded", deliveries: 1 },
      { type: "session.issued", deliveries: 1 },
    ]);
  });
});
