import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { codeSent } from "./uses.js";
import { freshEmail, freshPhone, newIdentity, register, selfSigned, sendJwt } from "../authentiq/authentiq-client.js";

// Like Hanko's passcodes, Authentiq's revocation code (which revokes the key) has a daily cap on
// wrong codes across codes: 5 tries per code and 5 codes per 10 minutes alone would let 25
// guesses through every 10 minutes, 3,600 a day for one pair.

let server: TestServer;
let offset = 0;
const clock: Clock = { now: () => new Date(Date.now() + offset) };
beforeAll(async () => {
  server = await startTestServer({}, { clock });
});
afterAll(async () => {
  await server?.close();
});

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

describe("Authentiq revocation code guesses across codes", () => {
  it("answers 401 to 20 wrong codes for one pair across codes, then 429 even to the right code, until the day has passed", async () => {
    const id = newIdentity();
    await register(server.url, id);
    const email = freshEmail();
    const phone = freshPhone();
    expect((await sendJwt(server.url, "PUT", `/key/${id.pk}`, await selfSigned(id, { email, phone }))).status).toBe(200);
    const revoke = (code: string) => rest(server.url, "DELETE", `/key?${new URLSearchParams({ email, phone, ...(code === "" ? {} : { code }) })}`);
    const statuses: number[] = [];
    for (let request = 0; statuses.length < 25; request++) {
      // Past the request limit (5 per 10 minutes): the window passes.
      if (request > 0 && request % 5 === 0) offset += 601_000;
      const { result, code } = await codeSent(server, email, () => revoke(""));
      expect(result.status).toBe(200);
      for (let attempt = 0; attempt < 5; attempt++) statuses.push((await revoke(wrong(code))).status);
    }
    expect(statuses).toEqual([...Array(20).fill(401), ...Array(5).fill(429)]);
    offset += 601_000;
    const locked = await codeSent(server, email, () => revoke(""));
    expect((await revoke(locked.code)).status).toBe(429);
    offset += 24 * 3600 * 1000;
    const later = await codeSent(server, email, () => revoke(""));
    expect((await revoke(later.code)).status).toBe(200);
  });
});
