import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { codeSent, queued } from "../abuse/uses.js";
import { freshEmail, signUpAndLogIn } from "./hanko-client.js";

let server: TestServer;
/** The server's clock: the real time plus what a test moved it on. */
let offset = 0;
const clock: Clock = { now: () => new Date(Date.now() + offset) };

beforeAll(async () => {
  server = await startTestServer({ HANKO_PASSWORDS_ENABLED: "true" }, { clock });
});
afterAll(async () => {
  await server?.close();
});

const login = (userId: string, password: string) => rest(server.url, "POST", "/password/login", { body: { user_id: userId, password } });
const initialize = (userId: string) => rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId } });
const finalize = (id: string, code: string) => rest(server.url, "POST", "/passcode/login/finalize", { body: { id, code } });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");
const tooMany = { status: 429, json: { code: 429, message: expect.any(String) } };

async function userWithPassword(password: string): Promise<string> {
  const user = await signUpAndLogIn(server);
  expect((await rest(server.url, "PUT", "/password", { body: { user_id: user.userId, password }, headers: user.bearer })).status).toBe(201);
  return user.userId;
}

describe("Hanko POST /password/login attempt limit", () => {
  // Password guessing: 60 wrong passwords were all checked, and the right one still worked.
  it("refuses the 11th attempt in 15 minutes with 429, for a known and an unknown user alike, the right password too", async () => {
    const userId = await userWithPassword("correct horse 1");
    const unknown = randomUUID();
    for (let i = 0; i < 10; i++) {
      const known = await login(userId, `wrong ${i}`);
      expect(known.status).toBe(401);
      const nobody = await login(unknown, `wrong ${i}`);
      expect({ status: nobody.status, json: nobody.json }).toEqual({ status: known.status, json: known.json });
    }
    expect(await login(userId, "wrong again")).toMatchObject(tooMany);
    expect(await login(unknown, "wrong again")).toMatchObject(tooMany);
    expect(await login(userId, "correct horse 1")).toMatchObject(tooMany);
    offset += 15 * 60_000 + 1000;
    expect((await login(userId, "correct horse 1")).status).toBe(200);
  });

  it("checks at most 10 of 20 concurrent wrong passwords", async () => {
    const userId = await userWithPassword("correct horse 1");
    const statuses = (await Promise.all(Array.from({ length: 20 }, (_, i) => login(userId, `burst ${i}`)))).map((response) => response.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(10);
    expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
  });
});

describe("Hanko POST /passcode/login/initialize send limit", () => {
  // A mail bomb: 50 concurrent requests for one user sent 43 emails within a second.
  it("queues at most 5 passcodes of 50 concurrent requests for one user", async () => {
    const email = freshEmail();
    const userId = ((await rest(server.url, "POST", "/users", { body: { email } })).json as { user_id: string }).user_id;
    const statuses = (await Promise.all(Array.from({ length: 50 }, () => initialize(userId)))).map((response) => response.status);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(45);
    const queued = await server.app.database.db.selectFrom("outbox").select("id").where("recipient", "=", email).execute();
    expect(queued.length).toBeLessThanOrEqual(5);
  });
});

describe("Hanko wrong passcodes per day", () => {
  // Guessing across passcodes: 3 tries per passcode × 5 passcodes a minute was 15 guesses a minute;
  // and once the cap was used up, every new passcode was still mailed, although none could work.
  it("refuses every passcode of a user after 20 wrong ones in 24 hours, the right code too, and mails none until the day passes", async () => {
    const email = freshEmail();
    const userId = ((await rest(server.url, "POST", "/users", { body: { email } })).json as { user_id: string }).user_id;
    // A passcode issued before the cap is used up: its right code is refused after.
    const spare = await codeSent(server, email, () => initialize(userId));
    let guesses = 0;
    for (let passcode = 0; guesses < 20; passcode++) {
      // Past the per-minute send limit: 5 passcodes (the spare first), then a minute passes.
      if ((passcode + 1) % 5 === 0) offset += 61_000;
      const { result: started, code } = await codeSent(server, email, () => initialize(userId));
      expect(started.status).toBe(200);
      const id = (started.json as { id: string }).id;
      for (let attempt = 0; attempt < 3 && guesses < 20; attempt++, guesses++) expect((await finalize(id, wrong(code))).status).not.toBe(200);
    }
    offset += 61_000;
    const before = await queued(server, email);
    const refused = await Promise.all(Array.from({ length: 5 }, () => initialize(userId)));
    for (const answer of refused) expect(answer).toMatchObject(tooMany);
    expect(refused).toHaveLength(5);
    expect((await queued(server, email)) - before).toBe(0);
    expect(await finalize((spare.result.json as { id: string }).id, spare.code)).toMatchObject(tooMany);
    offset += 24 * 3600_000;
    const next = await codeSent(server, email, () => initialize(userId));
    expect((await finalize((next.result.json as { id: string }).id, next.code)).status).toBe(200);
  });
});
