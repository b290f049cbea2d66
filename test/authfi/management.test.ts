import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccessPointService } from "../../src/products/authfi/tenant.service.js";
import type { TestServer } from "../harness/server.js";
import { accessPoint, apiKey, authenticator, authfi, createAccessPoint, loginChallenge, newName, registerKey, startAuthfiServer } from "./authfi-client.js";
import { createAccessPointStore } from "../../src/store/authfi/tenant.store.js";

let server: TestServer;

beforeAll(async () => {
  server = await startAuthfiServer();
});
afterAll(async () => {
  await server?.close();
});

type UserList = { code: number; total: number; users: Array<{ id: string; name: string; state: string; create_time: number; update_time: number }> };

describe("AuthFi access points", () => {
  it("seeds the configured access point once, active and uncapped, however often it starts", async () => {
    const service = createAccessPointService({ store: createAccessPointStore(server.app.database.db), secrets: server.app.secrets });
    await service.ensure(accessPoint, apiKey);
    await service.ensure(accessPoint, apiKey);
    const tenants = await server.app.database.db.selectFrom("tenants").selectAll().where("slug", "=", accessPoint).execute();
    expect(tenants).toMatchObject([{ state: "active", user_cap: null }]);
    const keys = await server.app.database.db.selectFrom("tenant_api_keys").selectAll().where("tenant_id", "=", tenants[0]!.id).execute();
    expect(keys).toHaveLength(1);
    // The key is stored as its HMAC under the server key, bound to the tenant, never as itself.
    expect(Buffer.from(keys[0]!.key_hash)).toEqual(server.app.secrets.hash(apiKey, `authfi-api-key:${tenants[0]!.id}`));
  });
});

describe("AuthFi user management", () => {
  it("pages the users from 1 with sizes from 20 to 100, oldest first", async () => {
    const own = await createAccessPoint(server, { slug: `paging${randomBytes(4).toString("hex")}` });
    const options = { ap: own.slug, key: own.apiKey };
    const names: string[] = [];
    // A start that never finishes makes no user.
    await authfi(server, "POST", "/webauthn/registration", { params: { user: { name: newName("abandoned") } } }, options);
    for (let i = 0; i < 21; i++) {
      const name = newName("page");
      names.push(name);
      await registerKey(server, name, "none", options);
    }
    const first = (await authfi(server, "GET", "/users", undefined, options)).json as UserList;
    expect(first).toMatchObject({ code: 0, total: 21 });
    expect(first.users.map((user) => user.name)).toEqual(names.slice(0, 20));
    const second = (await authfi(server, "GET", "/users?page=2&size=20", undefined, options)).json as UserList;
    expect(second.users.map((user) => user.name)).toEqual(names.slice(20));
    expect(second.users[0]).toMatchObject({ state: "activate", id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    expect(((await authfi(server, "GET", "/users?page=1&size=100", undefined, options)).json as UserList).users).toHaveLength(21);
    expect(await authfi(server, "GET", "/users?page=3&size=20", undefined, options)).toMatchObject({ status: 400, json: { code: 1002 } });
  });

  it("changes a user's state with {status} as the seed documents and {state} as AuthFi's sample client sends", async () => {
    const name = newName();
    const key = await registerKey(server, name);
    const suspended = await authfi(server, "PUT", `/users/${key.userId}`, { status: "suspend" });
    expect(suspended).toMatchObject({ status: 200, json: { code: 0, user: { id: key.userId, name, state: "suspend" } } });
    const activated = await authfi(server, "PUT", `/users/${key.userId}`, { state: "activate" });
    expect(activated).toMatchObject({ status: 200, json: { code: 0, user: { id: key.userId, state: "activate" } } });
  });

  it("deletes a user with all their keys, which can no longer log in", async () => {
    const name = newName();
    const first = await registerKey(server, name);
    await registerKey(server, name);
    const deleted = await authfi(server, "DELETE", `/users/${first.userId}`);
    expect(deleted).toMatchObject({ status: 200, json: { code: 0, deleteUser: { id: first.userId, name }, deleteUserRegisterKeys: 2 } });
    expect(await authfi(server, "GET", `/users/${first.userId}/keys`)).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(first.credential, await loginChallenge(server)) })).toMatchObject({ status: 404, json: { code: 1002 } });
  });
});

describe("AuthFi key management", () => {
  it("lists, renames and deletes a user's keys by the ids the ceremonies gave", async () => {
    const name = newName();
    const first = await registerKey(server, name);
    const second = await registerKey(server, name, "packed");
    const renamed = await authfi(server, "PUT", `/users/${first.userId}/keys/${first.keyId}`, { name: "KeyA" });
    expect(renamed).toMatchObject({ status: 200, json: { code: 0, key_info: { credential_id: first.keyId, name: "KeyA", counter: 0 } } });
    const listed = await authfi(server, "GET", `/users/${first.userId}/keys`);
    expect(listed.json).toMatchObject({ code: 0, total: 2, keys: [{ credential_id: first.keyId, name: "KeyA" }, { credential_id: second.keyId, name: "" }] });
    expect(await authfi(server, "PUT", `/users/${first.userId}/keys/${first.keyId}`, { name: "x".repeat(129) })).toMatchObject({ status: 400, json: { code: 1002 } });
    expect(await authfi(server, "DELETE", `/users/${first.userId}/keys/${first.keyId}`)).toMatchObject({ status: 200, json: { code: 0, deleteKeys: 1 } });
    expect(await authfi(server, "DELETE", `/users/${first.userId}/keys/${first.keyId}`)).toMatchObject({ status: 404, json: { code: 1002 } });
    expect((await authfi(server, "GET", `/users/${first.userId}/keys`)).json).toMatchObject({ total: 1, keys: [{ credential_id: second.keyId }] });
    expect(await authfi(server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(first.credential, await loginChallenge(server)) })).toMatchObject({ status: 404, json: { code: 1002 } });
  });

  it("keeps another user's key out of reach of a user's key paths", async () => {
    const alice = await registerKey(server, newName());
    const bob = await registerKey(server, newName());
    expect(await authfi(server, "PUT", `/users/${alice.userId}/keys/${bob.keyId}`, { name: "mine" })).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "DELETE", `/users/${alice.userId}/keys/${bob.keyId}`)).toMatchObject({ status: 404, json: { code: 1002 } });
  });
});

describe("AuthFi tenant isolation", () => {
  // One relying party must never reach another's users or keys, even knowing their ids.
  it("keeps each access point's users and keys to itself, and the same credential id in two stays two keys", async () => {
    const other = await createAccessPoint(server, { slug: `isolated${randomBytes(4).toString("hex")}` });
    const options = { ap: other.slug, key: other.apiKey };
    const name = newName("shared");
    const here = await registerKey(server, name);
    const there = await registerKey(server, name, "none", options);
    expect(there.userId).not.toBe(here.userId);

    expect(await authfi(server, "GET", `/users/${here.userId}/keys`, undefined, options)).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "DELETE", `/users/${here.userId}`, undefined, options)).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(((await authfi(server, "GET", "/users", undefined, options)).json as UserList).users.map((user) => user.id)).toEqual([there.userId]);
    expect(await authfi(server, "PUT", `/users/${here.userId}`, { status: "suspend" }, options)).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "PUT", `/users/${here.userId}/keys/${here.keyId}`, { name: "mine now" }, options)).toMatchObject({ status: 404, json: { code: 1002 } });
    expect(await authfi(server, "DELETE", `/users/${here.userId}/keys/${here.keyId}`, undefined, options)).toMatchObject({ status: 404, json: { code: 1002 } });
    // A challenge issued here is unknown there, and a name here names another user there.
    const foreignChallenge = await loginChallenge(server);
    expect(await authfi(server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(there.credential, foreignChallenge) }, options)).toMatchObject({ status: 400, json: { code: 4000 } });
    const verification = (await authfi(server, "POST", "/webauthn/verification", { uId: name, params: {} }, options)).json as { fido_auth_request: { allowCredentials: Array<{ id: string }> } };
    expect(verification.fido_auth_request.allowCredentials.map((key) => key.id)).toEqual([there.keyId]);
    expect(((await authfi(server, "GET", `/users/${here.userId}/keys`)).json as { total: number }).total).toBe(1);
    // A key registered here cannot log in there.
    const challenge = await loginChallenge(server, options);
    expect(await authfi(server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(here.credential, challenge) }, options)).toMatchObject({ status: 404, json: { code: 1002 } });

    // The same authenticator credential registered at both access points: two keys.
    const request = (await authfi(server, "POST", "/webauthn/registration", { params: { user: { name } } }, options)).json as { fido_register_request: { challenge: string; user: { id: string } } };
    const again = authenticator.create(request.fido_register_request, "none", { reuse: here.credential });
    expect(again.response.id).toBe(here.keyId);
    expect(await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: again.response }, options)).toMatchObject({ status: 201, json: { code: 0, key_info: { credential_id: here.keyId } } });
    const rows = await server.app.database.db.selectFrom("webauthn_credentials").select(["tenant_id", "user_id"]).where("credential_id", "=", here.credential.id).execute();
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((row) => row.tenant_id)).size).toBe(2);
    // Each copy logs in at its own access point only, naming its own user.
    const login = await authfi(server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(here.credential, await loginChallenge(server, options)) }, options);
    expect(login).toMatchObject({ status: 200, json: { code: 0, user: { id: there.userId } } });
    const home = await authfi(server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(here.credential, await loginChallenge(server)) });
    expect(home).toMatchObject({ status: 200, json: { code: 0, user: { id: here.userId } } });
    expect(((await authfi(server, "GET", `/users/${there.userId}/keys`, undefined, options)).json as { total: number }).total).toBe(2);
  });
});
