import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePasswordHash } from "../../src/core/password/password-format.js";
import { hashPassword } from "../../src/core/password/password-hash.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { insertPasswordHashIfAbsent } from "../../src/store/password/password.store.js";
import { api, auth, claimsOf, codeSent, freshEmail, heldFrom, startWithSinks, type Sinks } from "../authenticator/authenticator-client.js";
import { rest } from "../harness/rest.js";
import type { TestServer } from "../harness/server.js";

// Review of the legacy password hash work (issue 19 point 2). Each case states what should hold
// and fails on the merged code.

let server: TestServer;
let sinks: Sinks;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ server, sinks, close: stop } = await startWithSinks({ HANKO_PASSWORDS_ENABLED: "true" }));
});
afterAll(async () => {
  await stop?.();
});

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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timedLogin(email: string, password: string): Promise<number> {
  const started = performance.now();
  const answer = await api(server, "POST", "/login", { body: { email, password } });
  const elapsed = performance.now() - started;
  expect(answer.status, answer.text).toBe(401);
  return elapsed;
}

describe("enumeration by timing", () => {
  // Hanko's default bcrypt (cost 10): the most common imported hash. A wrong password for such a
  // user must cost what an unknown address costs, or the answer time tells which addresses exist.
  it("answers a wrong password for a bcrypt-imported user as fast as for an unknown address", async () => {
    const bcrypt10 = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";
    const users = await Promise.all(Array.from({ length: 7 }, () => importedUser(bcrypt10)));
    await timedLogin(freshEmail(), "warm up");
    const unknown: number[] = [];
    const legacy: number[] = [];
    for (const user of users) {
      unknown.push(await timedLogin(freshEmail(), "a wrong password"));
      legacy.push(await timedLogin(user.email, "a wrong password"));
    }
    expect({ unknownMs: Math.round(median(unknown)), legacyMs: Math.round(median(legacy)), distinguishable: median(legacy) > 2 * median(unknown) }).toMatchObject({ distinguishable: false });
  }, 60_000);
});

describe("what the import accepts verifies at login", () => {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64").replace(/=+$/, "");
  const padded = (text: string) => text + "=".repeat((4 - (text.length % 4)) % 4);

  // The same argon2id hash with padded base64, which @node-rs/argon2 refuses: the import must
  // refuse it too, and one stored anyway (before this check existed) answers 401, never a 500.
  it("refuses at import an argon2id hash with padded base64, and a stored one answers 401, never a 500", async () => {
    const [, , version, , salt, digest] = (await hashPassword("old password")).split("$");
    const hash = `$argon2id$${version}$m=19456,t=2,p=1$${padded(salt!)}$${padded(digest!)}`;
    expect(hash).toContain("=");
    expect(parsePasswordHash(hash)).toMatchObject({ ok: false, problem: "malformed" });
    const user = await importedUser(hash);
    const right = await api(server, "POST", "/login", { body: { email: user.email, password: "old password" } });
    const wrong = await rest(server.url, "POST", "/password/login", { body: { user_id: user.userId, password: "a wrong one" } });
    expect({ right: right.status, wrong: wrong.status }).toEqual({ right: 401, wrong: 401 });
  });

  it("refuses at import an scrypt hash that node:crypto cannot verify with the maxmem it is given", () => {
    const hash = `$scrypt$ln=4,r=16384,p=1$${b64(randomBytes(16))}$${b64(randomBytes(32))}`;
    expect(parsePasswordHash(hash)).toMatchObject({ ok: false });
  });
});

describe("ceilings", () => {
  // Each of these is kept by parsePasswordHash and costs 4 to 30 s of a libuv thread per login
  // attempt (measured on the review machine): four wrong passwords in parallel stall every login.
  it.each([
    ["scrypt N=2^18 r=8 p=16", `$scrypt$ln=18,r=8,p=16$c29tZXNhbHRzb21lc2FsdA$${"A".repeat(42)}o`],
    ["pbkdf2-sha512 10M iterations", `$pbkdf2-sha512$i=10000000$c29tZXNhbHRzb21lc2FsdA$${Buffer.alloc(64, 1).toString("base64").replace(/=+$/, "")}`],
    ["bcrypt cost 16", "$2b$16$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"],
  ])("refuses %s as costly", (_name, hash) => {
    expect(parsePasswordHash(hash)).toMatchObject({ ok: false, problem: "costly" });
  });
});
