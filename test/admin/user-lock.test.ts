import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queuedCount } from "../authenticator/authenticator-client.js";
import { authfi, loginChallenge } from "../authfi/authfi-client.js";
import { rest, type RestResponse } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminCall, adminOk, adminTransports } from "./admin-client.js";
import {
  api,
  auth,
  authenticator,
  authenticatorAccount,
  authenticatorLoginAttempt,
  authfiKey,
  hankoDiscoverableAttempt,
  hankoPasscodeAttempt,
  hankoPasskey,
  hankoPasskeyAttempt,
  hankoUser,
  startAdminWorld,
  type AdminWorld,
} from "./admin-fixtures.js";

let world: AdminWorld;
beforeAll(async () => {
  world = await startAdminWorld();
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

/**
 * One way into a product: `setup` makes a user who can take it and answers their id and the
 * attempt, which runs it afresh each time (a login from its start, or a use of a session).
 */
interface Entry {
  name: string;
  setup(world: AdminWorld): Promise<{ userId: string; attempt: () => Promise<RestResponse> }>;
  /** How the product refuses a locked user, in its own dialect. */
  locked: { status: number; json: unknown };
}

const hankoLocked = { status: 403, json: { code: 403, message: "account locked" } };
const authenticatorLocked = { status: 403, json: { error: { code: "user_locked", message: expect.any(String) } } };
const authfiLocked = { status: 403, json: { code: 2000 } };

// A locked account opens nothing: no login of any kind starts or completes, and no session or
// token issued before the lock is accepted, in any product that has users.
const entries: Entry[] = [
  {
    name: "Hanko password login",
    setup: async (w) => {
      const user = await hankoUser(w);
      return { userId: user.userId, attempt: () => rest(w.server.url, "POST", "/password/login", { body: { user_id: user.userId, password: user.password } }) };
    },
    locked: hankoLocked,
  },
  {
    name: "Hanko passcode login",
    setup: async (w) => {
      const user = await hankoUser(w);
      return { userId: user.userId, attempt: () => hankoPasscodeAttempt(w, user.userId, user.email) };
    },
    locked: hankoLocked,
  },
  {
    name: "Hanko passkey login naming the user",
    setup: async (w) => {
      const user = await hankoUser(w);
      const credential = await hankoPasskey(w, user);
      return { userId: user.userId, attempt: () => hankoPasskeyAttempt(w, user.userId, credential) };
    },
    locked: hankoLocked,
  },
  {
    name: "Hanko discoverable passkey login",
    setup: async (w) => {
      const user = await hankoUser(w);
      const credential = await hankoPasskey(w, user);
      return { userId: user.userId, attempt: () => hankoDiscoverableAttempt(w, credential) };
    },
    locked: hankoLocked,
  },
  {
    name: "Hanko session at GET /me",
    setup: async (w) => {
      const user = await hankoUser(w);
      return { userId: user.userId, attempt: () => rest(w.server.url, "GET", "/me", { headers: user.bearer }) };
    },
    locked: hankoLocked,
  },
  {
    name: "Authenticator API password and code login",
    setup: async (w) => {
      const account = await authenticatorAccount(w);
      return { userId: account.userId, attempt: () => authenticatorLoginAttempt(w, account) };
    },
    locked: authenticatorLocked,
  },
  {
    name: "Authenticator API token at GET /token/verify",
    setup: async (w) => {
      const account = await authenticatorAccount(w);
      return { userId: account.userId, attempt: () => api(w.server, "GET", "/token/verify", { headers: auth(account) }) };
    },
    locked: authenticatorLocked,
  },
  {
    name: "AuthFi discoverable passkey login",
    setup: async (w) => {
      const key = await authfiKey(w);
      return {
        userId: key.uuid,
        attempt: async () => authfi(w.server, "PUT", "/webauthn/login", { fido_login_response: authenticator.get(key.credential, await loginChallenge(w.server), { withUserHandle: true }) }),
      };
    },
    locked: authfiLocked,
  },
  {
    name: "AuthFi second-factor verification",
    setup: async (w) => {
      const key = await authfiKey(w);
      return {
        userId: key.uuid,
        attempt: async () => {
          const options = await authfi(w.server, "POST", "/webauthn/verification", { uId: key.name, params: { userVerification: "required" } });
          if (options.status !== 200) return options;
          const challenge = (options.json as { fido_auth_request: { challenge: string } }).fido_auth_request.challenge;
          return authfi(w.server, "PUT", "/webauthn/verification", { fido_auth_response: authenticator.get(key.credential, challenge, { withUserHandle: true }) });
        },
      };
    },
    locked: authfiLocked,
  },
];

describe.each(adminTransports)("LockUser and UnlockUser over %s", (transport) => {
  it.each(entries)("a lock refuses the $name in its own dialect, and an unlock lets it through again", async ({ setup, locked }) => {
    const { userId, attempt } = await setup(world);
    expect((await attempt()).status, "before the lock").toBeLessThan(300);

    expect(await adminOk(transport, world.server, "lockUser", { userId, reason: "stolen laptop" })).toMatchObject({ user: { id: userId, locked: true } });
    expect(await attempt()).toMatchObject(locked);

    expect(await adminOk(transport, world.server, "unlockUser", { userId })).toMatchObject({ user: { id: userId, locked: false } });
    expect((await attempt()).status, "after the unlock").toBeLessThan(300);
  });
});

describe("the lock as the admin API shows it", () => {
  it("locking twice keeps the user locked and GetUser says so; unknown users are not found", async () => {
    const user = await hankoUser(world);
    await adminOk("rest", world.server, "lockUser", { userId: user.userId });
    await adminOk("grpc", world.server, "lockUser", { userId: user.userId });
    expect(await adminOk("connect", world.server, "getUser", { userId: user.userId })).toMatchObject({ user: { locked: true } });
    const unknown = "00000000-0000-4000-8000-000000000000";
    for (const transport of adminTransports) {
      expect(await adminCall(transport, world.server, "lockUser", { userId: unknown })).toMatchObject({ ok: false, error: "not_found" });
    }
  });

  // A locked account must not be a way to send mail or SMS to its owner: the refused login
  // writes nothing, so no code is queued.
  it("queues no code for a locked user's Authenticator API login or Hanko passcode login", async () => {
    const account = await authenticatorAccount(world);
    await adminOk("grpc", world.server, "lockUser", { userId: account.userId });
    const queued = await queuedCount(world.server, account.contact);
    expect(await api(world.server, "POST", "/login", { body: { email: account.contact, password: account.password } })).toMatchObject(authenticatorLocked);
    expect(await queuedCount(world.server, account.contact)).toBe(queued);
    expect(await rest(world.server.url, "POST", "/passcode/login/initialize", { body: { user_id: account.userId } })).toMatchObject(hankoLocked);
    expect(await queuedCount(world.server, account.contact)).toBe(queued);
  });

  it("refuses a lock reason over 500 characters", async () => {
    const user = await hankoUser(world);
    expect(await adminCall("rest", world.server, "lockUser", { userId: user.userId, reason: "x".repeat(501) })).toMatchObject({ ok: false, error: "invalid_argument", status: 400 });
  });
});
