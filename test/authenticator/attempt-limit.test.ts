import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestServer } from "../harness/server.js";
import { api, auth, codeSent, freshEmail, heldFrom, logIn, signUpVerified, type Sinks, startWithSinks } from "./authenticator-client.js";

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks());
});
afterAll(async () => {
  await stop?.();
});

const rateLimited = { status: 429, json: { error: { code: "rate_limited", message: expect.any(String) } } };
/** A 6-digit code that is not `code`. */
const other = (code: string) => (code === "000000" ? "111111" : "000000");
/** Moves every window of failed attempts back past its 15 minutes. */
const windowsPass = () => server.app.database.db.updateTable("limits").set({ window_started_at: new Date(Date.now() - 16 * 60_000) }).execute();
const login = (email: string, password: string) => api(server, "POST", "/login", { body: { email, password } });

describe("POST /api/v1/login attempt limit", () => {
  // Password guessing: ten wrong passwords for a contact in 15 minutes, then nothing passes, and
  // an unknown contact gets the very same answers (no account enumeration).
  it("refuses the 11th login of a contact with 429, known or unknown alike, until the window passes", async () => {
    const account = await signUpVerified(server, sinks);
    const unknown = freshEmail();
    for (let i = 0; i < 10; i++) {
      const known = await login(account.contact, `wrong password ${i}`);
      const stranger = await login(unknown, `wrong password ${i}`);
      expect(known).toMatchObject({ status: 401, json: { error: { code: "invalid_credentials" } } });
      expect(stranger.json).toEqual(known.json);
    }
    const right = await login(account.contact, account.password);
    expect(right).toMatchObject(rateLimited);
    expect((await login(unknown, "wrong password")).json).toEqual(right.json);
    await windowsPass();
    expect((await login(account.contact, account.password)).status).toBe(200);
  });

  it("lets at most 10 of 20 parallel wrong passwords be checked", async () => {
    const account = await signUpVerified(server, sinks);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => login(account.contact, `parallel guess ${i}`)));
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(10);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(10);
  });

  it("does not count right passwords", async () => {
    const account = await signUpVerified(server, sinks);
    for (let i = 0; i < 12; i++) expect((await login(account.contact, account.password)).status).toBe(200);
  });
});

describe("POST /api/v1/login/verify-code attempt limit", () => {
  // Second-factor guessing with a known password: each identified token burns after five wrong
  // codes, but new logins made new tokens without end. Ten wrong answers per user in 15 minutes.
  it("refuses the right code and new logins after 10 wrong codes over several tokens, until the window passes", async () => {
    const account = await signUpVerified(server, sinks);
    // One login at a time, each code read before the next: messages may arrive out of order.
    const loggedIn = async () => {
      const held = await logIn(server, sinks, account);
      return { ...held, code: await codeSent(sinks, account.contact, held.codeIndex) };
    };
    const first = await loggedIn();
    const second = await loggedIn();
    const third = await loggedIn();
    const code = third.code;
    for (const held of [first, second]) {
      for (let i = 0; i < 5; i++) expect(await api(server, "POST", "/login/verify-code", { body: { code: other(code) }, headers: auth(held) })).toMatchObject({ status: 401, json: { error: { code: "invalid_code" } } });
    }
    expect(await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(third) })).toMatchObject(rateLimited);
    expect(await login(account.contact, account.password)).toMatchObject(rateLimited);
    await windowsPass();
    const verified = await api(server, "POST", "/login/verify-code", { body: { code }, headers: auth(third) });
    expect(verified.status, verified.text).toBe(200);
    expect(heldFrom(verified).token).toEqual(expect.any(String));
  });
});

describe("POST /api/v1/signup/verify attempt limit", () => {
  // Code guessing at someone else's contact: each sign-up token burns after five wrong codes,
  // but new sign-ups made new tokens. Ten wrong codes per contact in 15 minutes, over all of them.
  it("refuses the right code after 10 wrong codes over several sign-ups for one contact, until the window passes", async () => {
    const contact = freshEmail();
    const signUp = async (index: number) => {
      const started = await api(server, "POST", "/signup", { body: { email: contact } });
      expect(started.status).toBe(201);
      return { held: heldFrom(started), code: await codeSent(sinks, contact, index) };
    };
    const verify = (held: ReturnType<typeof heldFrom>, code: string) => api(server, "POST", "/signup/verify", { body: { code }, headers: auth(held) });
    const wrongCodes = [4, 4, 2];
    let last: Awaited<ReturnType<typeof signUp>> | undefined;
    for (const [index, count] of wrongCodes.entries()) {
      last = await signUp(index);
      for (let i = 0; i < count; i++) expect((await verify(last.held, other(last.code))).status).toBe(401);
    }
    expect(await verify(last!.held, last!.code)).toMatchObject(rateLimited);
    // Another contact is not held back, and logging in to an existing account is a separate count.
    const account = await signUpVerified(server, sinks);
    expect((await login(account.contact, account.password)).status).toBe(200);
    await windowsPass();
    expect((await verify(last!.held, last!.code)).status).toBe(201);
  });
});
