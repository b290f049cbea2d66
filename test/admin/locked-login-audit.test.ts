import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients } from "../harness/rpc.js";
import { VerifyService } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import { VerifyServiceService } from "../../gen/grpc-js/tessera/verify/v1/verify.js";
import { codeSent, sentCount } from "../authenticator/authenticator-client.js";
import { adminOk } from "./admin-client.js";
import { hankoUser, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

// A locked user's right password is not a login that succeeded: the trail of a locked account
// must show the refusal an operator locked it to get, never a `login.succeeded` the server then
// refused to honour (it once recorded the password check's success before the session was refused).

let world: AdminWorld;
beforeAll(async () => {
  world = await startAdminWorld();
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

type Login = (userId: string, password: string) => Promise<{ refused: boolean; detail: string }>;

const transports: Array<[string, Login]> = [
  [
    "REST",
    async (userId, password) => {
      const answer = await rest(world.server.url, "POST", "/password/login", { body: { user_id: userId, password } });
      return { refused: answer.status === 403, detail: `${answer.status} ${answer.text}` };
    },
  ],
  ...(["grpc", "connect-json"] as const).map((transport): [string, Login] => [
    transport,
    async (userId, password) => {
      const answer = await callRpc(transport, world.server.url, SessionService, SessionServiceService, "LoginWithPassword", { userId, password });
      return { refused: !answer.ok && answer.reason === "USER_LOCKED", detail: JSON.stringify(answer) };
    },
  ]),
];

const eventsOf = async (userId: string, since: bigint) =>
  (await sql<{ type: string; outcome: string; reason: string; factor: string | null }>`select type, outcome, reason, details->>'factor' as factor from audit_events where user_id::text = ${userId} and sequence > ${since.toString()}::bigint and type like 'login.%' order by sequence`.execute(world.server.app.database.db)).rows;
const latest = async () => BigInt((await sql<{ s: string }>`select coalesce(max(sequence), 0)::text as s from audit_events`.execute(world.server.app.database.db)).rows[0]!.s);

describe.each(transports)("a locked Hanko user's password login over %s", (_name, logIn) => {
  it("is refused with USER_LOCKED and recorded as login.failed (USER_LOCKED, factor password), with no login.succeeded", async () => {
    const user = await hankoUser(world);
    await adminOk("rest", world.server, "lockUser", { userId: user.userId, reason: "stolen laptop" });
    const since = await latest();
    const answer = await logIn(user.userId, user.password);
    expect(answer.refused, answer.detail).toBe(true);
    expect(await eventsOf(user.userId, since)).toEqual([{ type: "login.failed", outcome: "failure", reason: "USER_LOCKED", factor: "password" }]);

    await adminOk("rest", world.server, "unlockUser", { userId: user.userId });
    const after = await latest();
    expect((await logIn(user.userId, user.password)).refused).toBe(false);
    expect(await eventsOf(user.userId, after)).toEqual([{ type: "login.succeeded", outcome: "success", reason: "", factor: "password" }]);
  });
});

type Finalize = (id: string, code: string) => Promise<{ refused: boolean; ok: boolean; detail: string }>;

const passcodeTransports: Array<[string, Finalize]> = [
  [
    "REST",
    async (id, code) => {
      const answer = await rest(world.server.url, "POST", "/passcode/login/finalize", { body: { id, code } });
      return { refused: answer.status === 403, ok: answer.status === 200, detail: `${answer.status} ${answer.text}` };
    },
  ],
  ...(["grpc", "connect-json"] as const).map((transport): [string, Finalize] => [
    transport,
    async (id, code) => {
      const answer = await callRpc(transport, world.server.url, VerifyService, VerifyServiceService, "FinalizePasscodeLogin", { id, code });
      return { refused: !answer.ok && answer.reason === "USER_LOCKED", ok: answer.ok, detail: JSON.stringify(answer) };
    },
  ]),
];

/** Starts a passcode login of `user` over REST: the passcode's id and the code mailed. */
async function passcodeStarted(user: { userId: string; email: string }): Promise<{ id: string; code: string }> {
  const index = sentCount(world.sinks, user.email);
  const init = await rest(world.server.url, "POST", "/passcode/login/initialize", { body: { user_id: user.userId } });
  expect(init.status, init.text).toBe(200);
  return { id: (init.json as { id: string }).id, code: await codeSent(world.sinks, user.email, index) };
}

describe.each(passcodeTransports)("a Hanko passcode login of a user locked after it started, finalized over %s", (_name, finalize) => {
  it("is refused with USER_LOCKED and recorded as login.failed (USER_LOCKED, factor passcode), with no login.succeeded", async () => {
    const user = await hankoUser(world);
    const started = await passcodeStarted(user);
    await adminOk("rest", world.server, "lockUser", { userId: user.userId, reason: "stolen laptop" });
    const since = await latest();
    const answer = await finalize(started.id, started.code);
    expect(answer.refused, answer.detail).toBe(true);
    expect(await eventsOf(user.userId, since)).toEqual([{ type: "login.failed", outcome: "failure", reason: "USER_LOCKED", factor: "passcode" }]);

    await adminOk("rest", world.server, "unlockUser", { userId: user.userId });
    const again = await passcodeStarted(user);
    const after = await latest();
    expect((await finalize(again.id, again.code)).ok).toBe(true);
    expect(await eventsOf(user.userId, after)).toEqual([{ type: "login.succeeded", outcome: "success", reason: "", factor: "passcode" }]);
  });
});
