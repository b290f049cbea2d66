import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { signUpAndLogIn } from "../hanko/hanko-client.js";

// One password hash (the shared `passwords` table) was guarded by two limits with different
// keys, Hanko's per user id and the Authenticator API's per contact: guesses spent through one
// API did not count in the other, and each address of the user bought 10 more. The limit holds
// per password now, whichever API or address the guesses come through.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ HANKO_PASSWORDS_ENABLED: "true" });
});
afterAll(async () => {
  await server?.close();
});

const hankoLogin = (userId: string, password: string) => rest(server.url, "POST", "/password/login", { body: { user_id: userId, password } });
const authenticatorLogin = (email: string, password: string) => rest(server.url, "POST", "/api/v1/login", { body: { email, password } });

describe("password guesses against one password are limited once, whichever API or address they come through", () => {
  it("refuses the right password in the Authenticator API's login once Hanko's limit for the same user is used up", async () => {
    const user = await signUpAndLogIn(server);
    const password = "correct horse 1";
    expect((await rest(server.url, "PUT", "/password", { body: { user_id: user.userId, password }, headers: user.bearer })).status).toBe(201);
    for (let i = 0; i < 10; i++) expect((await hankoLogin(user.userId, `wrong ${i}`)).status).toBe(401);
    expect((await hankoLogin(user.userId, password)).status).toBe(429);
    // The same password through the other API: the right one must be refused while the user is locked.
    expect((await authenticatorLogin(user.email, password)).status).toBe(429);
  });

  it("counts a user's wrong passwords once across the user's addresses", async () => {
    const user = await signUpAndLogIn(server);
    const password = "correct horse 2";
    expect((await rest(server.url, "PUT", "/password", { body: { user_id: user.userId, password }, headers: user.bearer })).status).toBe(201);
    const second = `second-${randomUUID()}@example.com`;
    expect((await rest(server.url, "POST", "/emails", { body: { address: second }, headers: user.bearer })).status).toBeLessThan(300);
    for (let i = 0; i < 10; i++) expect((await authenticatorLogin(user.email, `wrong ${i}`)).status).toBe(401);
    expect((await authenticatorLogin(user.email, password)).status).toBe(429);
    // Through the user's other address the same password is guessed 10 times more.
    expect((await authenticatorLogin(second, "wrong again")).status).toBe(429);
  });
});
