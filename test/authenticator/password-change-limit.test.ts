import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";
import { api, auth, signUpVerified, startWithSinks, type Account, type Sinks } from "./authenticator-client.js";
import { authenticatorCall } from "./rpc-client.js";

// PATCH /api/v1/user/:user_id (UpdateUser) checks current_password against the user's one
// password hash: its wrong guesses count on the per-user password counter that every login
// shares (core/limit/password-guesses.ts), so a stolen token buys no guesses, and after ten
// the Authenticator's change and Hanko's /password/login both refuse, the right password too.

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

/** A password change with `current`: refused or not, and rate limited or not, over one transport. */
type Change = (account: Account, current: string, next: string) => Promise<{ ok: boolean; limited: boolean; shape: unknown }>;

const restChange: Change = async (account, current, next) => {
  const answer = await api(server, "PATCH", `/user/${account.userId}`, { body: { password: next, current_password: current }, headers: auth(account) });
  const body = answer.json as { error?: { code?: string } } | undefined;
  return { ok: answer.status === 200, limited: answer.status === 429, shape: { status: answer.status, code: body?.error?.code } };
};
const rpcChange = (transport: (typeof rpcTransports)[number]): Change => {
  const call = authenticatorCall(transport, () => server);
  return async (account, current, next) => {
    const answer = await call("UpdateUser", { userId: account.userId, password: next, currentPassword: current }, auth(account));
    return answer.ok ? { ok: true, limited: false, shape: { ok: true } } : { ok: false, limited: answer.code === Code.ResourceExhausted, shape: { code: answer.code, reason: answer.reason } };
  };
};
const transports: Array<[string, Change]> = [["rest", restChange], ...rpcTransports.map((transport) => [transport, rpcChange(transport)] as [string, Change])];
const refusedShapes: Record<string, { wrong: unknown; limited: unknown }> = {
  rest: { wrong: { status: 401, code: "invalid_credentials" }, limited: { status: 429, code: "rate_limited" } },
  rpc: { wrong: { code: Code.Unauthenticated, reason: "INVALID_CREDENTIALS" }, limited: { code: Code.ResourceExhausted, reason: "TOO_MANY_ATTEMPTS" } },
};

describe.each(transports)("PATCH /user current_password over %s", (via, change) => {
  const shapes = refusedShapes[via === "rest" ? "rest" : "rpc"]!;

  it("refuses the 11th check with rate_limited, the right password too, and Hanko's password login then refuses it as well", async () => {
    const account = await signUpVerified(server, sinks);
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await change(account, `wrong guess ${i}`, `new password ${i}x`));
    expect(answers.map((answer) => answer.shape)).toEqual(Array(10).fill(shapes.wrong));
    expect((await change(account, account.password, "a brand new secret")).shape).toEqual(shapes.limited);
    const hanko = await rest(server.url, "POST", "/password/login", { body: { user_id: account.userId, password: account.password } });
    expect(hanko.status).toBe(429);
  });

  it("checks at most 10 of a concurrent burst of 20 wrong current passwords", async () => {
    const account = await signUpVerified(server, sinks);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => change(account, `burst guess ${i}`, `new password ${i}x`)));
    expect(answers.filter((answer) => answer.ok)).toEqual([]);
    expect(answers.filter((answer) => !answer.limited).length).toBeLessThanOrEqual(10);
  });

  it("does not count right current passwords", async () => {
    const account = await signUpVerified(server, sinks);
    let password = account.password;
    for (let i = 0; i < 12; i++) {
      const next = `changed password ${i}`;
      expect((await change(account, password, next)).ok).toBe(true);
      password = next;
    }
  });
});
