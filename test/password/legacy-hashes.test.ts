import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPasswordHash } from "../../src/core/password/password-verify.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { insertPasswordHashIfAbsent } from "../../src/store/password/password.store.js";
import { api, auth, claimsOf, codeSent, freshEmail, heldFrom, startWithSinks, type Sinks } from "../authenticator/authenticator-client.js";
import { authenticatorCall } from "../authenticator/rpc-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients, rpcTransports, type RpcTransport } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";

// Users imported with the password hash of the product they come from log in with their old
// password over Hanko's /password/login and the Authenticator API's login (REST and every RPC
// transport); the first successful login stores Tessera's argon2id in place of the legacy hash,
// and a wrong password changes nothing. The hashes are published vectors (see
// src/core/password/password-verify.test.ts for their sources), seeded as an import stores them.

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks({ HANKO_PASSWORDS_ENABLED: "true" }));
});
afterAll(async () => {
  closeGrpcClients();
  await stop?.();
});

/** `[algorithm, password, hash]`: one legacy hash per algorithm. */
const legacyHashes: Array<[string, string, string]> = [
  ["bcrypt", "rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"],
  ["argon2i", "test", "$argon2i$v=19$m=65536,t=3,p=4$kk51rW/vxIVCYn+EG4kTSg$NyT88uraJ6im6dyha/M5jhXvpqlEdlS/9fEm7ScMb8c"],
  ["scrypt", "test", "$scrypt$ln=16384,r=8,p=1$2npRo7P03Mt8keSoMbyD/tKFWyUzjiQf2svUaNDSrhA=$MiCzNcIplSMqSBrm4HckjYqYhaVPPjTARTzwB1cVNYE="],
  ["pbkdf2-sha256", "test", "$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI"],
];

/** A user of the default tenant with `email`, no password of its own, then `hash` stored verbatim as an import does. */
async function importedUser(hash: string): Promise<{ userId: string; email: string }> {
  const email = freshEmail();
  const started = await api(server, "POST", "/signup", { body: { email } });
  expect(started.status, started.text).toBe(201);
  const verified = await api(server, "POST", "/signup/verify", { body: { code: await codeSent(sinks, email, 0) }, headers: auth(heldFrom(started)) });
  expect(verified.status, verified.text).toBe(201);
  const userId = String(claimsOf(heldFrom(verified).token).user_id);
  expect(await insertPasswordHashIfAbsent(server.app.database.db, defaultTenantId, userId, hash)).toBe(true);
  return { userId, email };
}

const storedHash = async (userId: string) =>
  (await server.app.database.db.selectFrom("passwords").select("hash").where("user_id", "=", userId).executeTakeFirstOrThrow()).hash;

/** A password login of the user over one API and transport: the shape of its answer. */
type Login = (user: { userId: string; email: string }, password: string) => Promise<unknown>;

const hankoRest: Login = async (user, password) => {
  const answer = await rest(server.url, "POST", "/password/login", { body: { user_id: user.userId, password } });
  return { status: answer.status, code: (answer.json as { code?: number } | undefined)?.code };
};
const authenticatorRest: Login = async (user, password) => {
  const answer = await api(server, "POST", "/login", { body: { email: user.email, password } });
  return { status: answer.status, code: (answer.json as { error?: { code?: string } } | undefined)?.error?.code };
};
const authenticatorRpc = (transport: RpcTransport): Login => {
  const call = authenticatorCall(transport, () => server);
  return async (user, password) => {
    const answer = await call("LogIn", { email: user.email, password });
    return answer.ok ? { ok: true } : { code: answer.code, reason: answer.reason };
  };
};

/** `[name, login, logged in, refused]`: each login and the answers it gives. */
const logins: Array<[string, Login, unknown, unknown]> = [
  ["Hanko REST /password/login", hankoRest, { status: 200, code: undefined }, { status: 401, code: 401 }],
  ["Authenticator REST /api/v1/login", authenticatorRest, { status: 200, code: undefined }, { status: 401, code: "invalid_credentials" }],
  ...rpcTransports.map(
    (transport) => [`Authenticator LogIn over ${transport}`, authenticatorRpc(transport), { ok: true }, { code: Code.Unauthenticated, reason: "INVALID_CREDENTIALS" }] as [string, Login, unknown, unknown],
  ),
];

describe.each(logins)("%s", (_via, logIn, loggedIn, refused) => {
  it.each(legacyHashes)("logs a user with a %s hash in with the old password and upgrades the hash to argon2id", async (_algorithm, password, hash) => {
    const user = await importedUser(hash);
    expect(await logIn(user, password)).toEqual(loggedIn);
    const upgraded = await storedHash(user.userId);
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPasswordHash(upgraded, password)).toEqual({ matches: true, needsRehash: false });
    expect(await logIn(user, password)).toEqual(loggedIn);
    expect(await logIn(user, `${password} but wrong`)).toEqual(refused);
    expect(await storedHash(user.userId)).toBe(upgraded);
  });

  it.each(legacyHashes)("refuses a wrong password for a user with a %s hash and leaves the hash as it was", async (_algorithm, password, hash) => {
    const user = await importedUser(hash);
    expect(await logIn(user, `${password}x`)).toEqual(refused);
    expect(await storedHash(user.userId)).toBe(hash);
  });
});

describe("PATCH /api/v1/user current_password", () => {
  it("accepts the old password of an imported bcrypt hash and stores the new password as argon2id", async () => {
    const [, password, hash] = legacyHashes[0]!;
    const user = await importedUser(hash);
    const identified = await api(server, "POST", "/login", { body: { email: user.email, password } });
    expect(identified.status, identified.text).toBe(200);
    const code = await codeSent(sinks, user.email, 1);
    const authorized = await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(heldFrom(identified)) });
    expect(authorized.status, authorized.text).toBe(200);
    // The login upgraded the hash; put the legacy one back to check the PATCH's own path.
    await server.app.database.db.updateTable("passwords").set({ hash }).where("user_id", "=", user.userId).execute();
    const changed = await api(server, "PATCH", `/user/${user.userId}`, { body: { password: "a new password 42", current_password: password }, headers: auth(heldFrom(authorized)) });
    expect(changed.status, changed.text).toBe(200);
    const stored = await storedHash(user.userId);
    expect(stored).toMatch(/^\$argon2id\$/);
    expect((await verifyPasswordHash(stored, "a new password 42")).matches).toBe(true);
    expect(await hankoRest(user, password)).toEqual({ status: 401, code: 401 });
  });
});

describe("insertPasswordHashIfAbsent", () => {
  it("stores nothing over a user's existing password hash", async () => {
    const [, , hash] = legacyHashes[1]!;
    const user = await importedUser(hash);
    expect(await insertPasswordHashIfAbsent(server.app.database.db, defaultTenantId, user.userId, legacyHashes[0]![2])).toBe(false);
    expect(await storedHash(user.userId)).toBe(hash);
  });
});
