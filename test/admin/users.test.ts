import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshEmail, freshPhone, signUpVerified } from "../authenticator/authenticator-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminCall, adminOk, adminTransports } from "./admin-client.js";
import { api, auth, authfiKey, everywhereUser, hankoPasskeyAttempt, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

let world: AdminWorld;
beforeAll(async () => {
  world = await startAdminWorld();
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

type User = { id: string; created: string; email: string; phone: string; products: string[]; locked: boolean };
type Page = { users: User[]; nextPageToken: string };

/** A bare Hanko user (POST /users): its id. */
async function bareUser(email = freshEmail()): Promise<string> {
  const created = await rest(world.server.url, "POST", "/users", { body: { email } });
  expect(created.status, created.text).toBe(200);
  return (created.json as { user_id: string }).user_id;
}

/** The time a millisecond after `created` (RFC 3339). */
const justAfter = (created: string) => new Date(new Date(created).getTime() + 1).toISOString();

describe.each(adminTransports)("users over %s", (transport) => {
  it("pages the users newest first with an opaque token until an empty one", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await bareUser());
    const first = (await adminOk(transport, world.server, "getUser", { userId: ids[0] })).user as User;
    const last = (await adminOk(transport, world.server, "getUser", { userId: ids[4] })).user as User;
    const window = { createdAfter: first.created, createdBefore: justAfter(last.created) };
    const seen: string[] = [];
    const tokens: string[] = [];
    let pageToken = "";
    for (let page = 0; page < 4; page++) {
      const answer = (await adminOk(transport, world.server, "listUsers", { ...window, pageSize: 2, ...(pageToken === "" ? {} : { pageToken }) })) as Page;
      seen.push(...answer.users.map((user) => user.id));
      tokens.push(answer.nextPageToken);
      pageToken = answer.nextPageToken;
      if (pageToken === "") break;
    }
    expect(seen).toEqual([...ids].reverse());
    expect(tokens.map((token) => token === "")).toEqual([false, false, true]);
    expect(tokens[0]).not.toContain(ids[3]);
  });

  it("filters by email (case-insensitive), phone, product and creation time", async () => {
    const email = freshEmail();
    const hankoOnly = await bareUser(email);
    const phone = freshPhone();
    const byPhone = await signUpVerified(world.server, world.sinks, phone);
    const key = await authfiKey(world);
    const ids = async (filter: Record<string, unknown>) => ((await adminOk(transport, world.server, "listUsers", filter)) as Page).users.map((user) => user.id);

    expect(await ids({ email: email.toUpperCase() })).toEqual([hankoOnly]);
    // A bare Hanko user (POST /users, no session yet) came through Hanko: recorded at creation.
    expect(await ids({ email, product: "hanko" })).toEqual([hankoOnly]);
    expect(((await adminOk(transport, world.server, "getUser", { userId: hankoOnly })).user as User).products).toEqual(["hanko"]);
    expect(await ids({ phone })).toEqual([byPhone.userId]);
    expect(await ids({ phone, product: "authenticator" })).toEqual([byPhone.userId]);
    expect(await ids({ phone, product: "authfi" })).toEqual([]);
    const authfiUsers = await ids({ product: "authfi", pageSize: 200 });
    expect(authfiUsers).toContain(key.uuid);
    expect(authfiUsers).not.toContain(byPhone.userId);
    const created = ((await adminOk(transport, world.server, "getUser", { userId: key.uuid })).user as User).created;
    expect(await ids({ createdAfter: created })).toEqual([key.uuid]);
    expect(await ids({ email, createdAfter: created })).toEqual([]);
    expect(await ids({ email, createdBefore: created })).toEqual([hankoOnly]);
  });

  it.each([
    { name: "a page size over 200", input: { pageSize: 201 } },
    { name: "a negative page size", input: { pageSize: -1 } },
    { name: "a page token it did not issue", input: { pageToken: "bm90LWEtdG9rZW4" } },
    { name: "an empty time range", input: { createdAfter: "2026-01-02T00:00:00Z", createdBefore: "2026-01-01T00:00:00Z" } },
    { name: "an unknown product", input: { product: "nosuchproduct" } },
  ])("refuses $name with invalid_argument", async ({ input }) => {
    const result = await adminCall(transport, world.server, "listUsers", input);
    expect(result).toMatchObject({ ok: false, error: "invalid_argument", ...(transport === "rest" ? { status: 400 } : {}) });
  });

  it("gets a user with contacts, credentials, factors, live sessions and the products they came through", async () => {
    const person = await everywhereUser(world);
    const answer = await adminOk(transport, world.server, "getUser", { userId: person.account.userId });
    expect(answer).toMatchObject({
      user: { id: person.account.userId, email: person.account.contact, phone: "", products: ["authenticator", "hanko"], locked: false },
      contacts: [{ type: "email", value: person.account.contact, verified: true, primary: true }],
      factors: { codeAllowed: true, totpAllowed: true, deviceAllowed: false, totpEnrolled: true, passwordSet: true },
    });
    const credentials = answer.credentials as Array<{ id: string; type: string; product: string }>;
    expect(credentials.map((credential) => [credential.type, credential.product]).sort()).toEqual([
      ["totp", "authenticator"],
      ["webauthn", "hanko"],
    ]);
    const sessions = answer.sessions as Array<{ type: string; state: string }>;
    expect(sessions.map((session) => session.type).sort()).toEqual(["authenticator_token", "hanko_session"]);
    expect(sessions.find((session) => session.type === "authenticator_token")).toMatchObject({ state: "authorized" });
    expect(JSON.stringify(answer)).not.toMatch(/secret|public_?key/i);
  });

  it("answers not_found for an unknown user and invalid_argument for an id that is not a UUID", async () => {
    expect(await adminCall(transport, world.server, "getUser", { userId: "00000000-0000-4000-8000-000000000000" })).toMatchObject({ ok: false, error: "not_found" });
    expect(await adminCall(transport, world.server, "getUser", { userId: "nope" })).toMatchObject({ ok: false, error: "invalid_argument" });
  });

  it("deletes a user and everything of theirs in every product, once", async () => {
    const person = await everywhereUser(world);
    const userId = person.account.userId;
    const db = world.server.app.database.db;
    const tables = (await sql<{ table_name: string }>`select table_name from information_schema.columns where column_name = 'user_id' and table_schema = current_schema()`.execute(db)).rows
      .map((row) => row.table_name)
      // The audit trail is the record of what happened to the user, deletion included: it outlives them (until retention).
      .filter((table) => table !== "audit_events");
    const rowsOf = async () => {
      const counts: Record<string, number> = {};
      for (const table of tables) {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where user_id::text = ${userId}`.execute(db);
        if ((rows[0]?.n ?? 0) > 0) counts[table] = rows[0]!.n;
      }
      return counts;
    };
    expect(Object.keys(await rowsOf())).toEqual(expect.arrayContaining(["emails", "passwords", "sessions", "webauthn_credentials", "authenticator_tokens", "authenticator_settings"]));

    expect(await adminOk(transport, world.server, "deleteUser", { userId })).toEqual({});
    expect(await rowsOf()).toEqual({});
    expect((await db.selectFrom("users").select("id").where("id", "=", userId).execute()).length).toBe(0);
    expect((await rest(world.server.url, "GET", "/me", { headers: person.hanko.bearer })).status).toBe(401);
    expect((await api(world.server, "GET", "/token/verify", { headers: auth(person.account) })).status).toBe(401);
    expect((await hankoPasskeyAttempt(world, userId, person.passkey)).status).toBeGreaterThanOrEqual(400);
    expect(await adminCall(transport, world.server, "deleteUser", { userId })).toMatchObject({ ok: false, error: "not_found" });
  });
});
