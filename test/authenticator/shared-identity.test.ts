import { mailText } from "../harness/smtp-sink.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { rest } from "../harness/rest.js";
import type { TestServer } from "../harness/server.js";
import { api, auth, signUpVerified, startWithSinks, type Sinks } from "./authenticator-client.js";

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks({ HANKO_ALLOW_DELETION: "true" }));
});
afterAll(async () => {
  await stop?.();
});

describe("one identity model with Hanko", () => {
  it("makes an Authenticator user a Hanko user of the same id, and their tokens die with the user", async () => {
    const account = await signUpVerified(server, sinks);
    const found = await rest(server.url, "POST", "/user", { body: { email: account.contact } });
    expect(found).toMatchObject({ status: 200, json: { id: account.userId, verified: true } });

    // Log in to Hanko with a passcode and delete the user there.
    const before = sinks.smtp.messages.length;
    const init = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: account.userId } });
    expect(init.status).toBe(200);
    await expect.poll(() => sinks.smtp.messages.slice(before).some((mail) => mail.to.includes(account.contact))).toBe(true);
    const code = /passcode is (\d{6})/.exec(mailText(sinks.smtp.messages.slice(before).find((mail) => mail.to.includes(account.contact))!.raw))![1];
    const session = await rest(server.url, "POST", "/passcode/login/finalize", { body: { id: (init.json as { id: string }).id, code } });
    expect(session.status).toBe(200);
    expect((await rest(server.url, "DELETE", "/user", { headers: { authorization: `Bearer ${String(session.headers["x-auth-token"])}` } })).status).toBe(204);

    expect(await api(server, "GET", "/token/verify", { headers: auth(account) })).toMatchObject({ status: 401, json: { error: { code: "invalid_token" } } });
    expect((await api(server, "POST", "/login", { body: { email: account.contact, password: account.password } })).status).toBe(401);
  });

  // Token confusion: an Authenticator token is not a Hanko session, and a Hanko session is not an Authenticator token.
  it("keeps Hanko sessions and Authenticator tokens apart", async () => {
    const account = await signUpVerified(server, sinks);
    expect((await rest(server.url, "GET", "/me", { headers: { authorization: `Bearer ${account.token}` } })).status).toBe(401);
  });
});
