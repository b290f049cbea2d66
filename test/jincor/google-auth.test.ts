import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { freshEmail, jincor, secretOf, totp, verifyJwtSecret } from "./jincor-client.js";

describe("the test's own RFC 6238 TOTP", () => {
  // RFC 6238 appendix B, SHA-1, 8 digits: the reference every code below is computed with.
  it("matches the RFC 6238 appendix B test vectors", () => {
    const secret = Buffer.from("12345678901234567890");
    const vectors: Array<[number, string]> = [
      [59, "94287082"],
      [1111111109, "07081804"],
      [1111111111, "14050471"],
      [1234567890, "89005924"],
      [2000000000, "69279037"],
    ];
    for (const [time, code] of vectors) expect(totp(secret, time, 8)).toBe(code);
  });
});

let server: TestServer;
/** The server's clock: the real time plus what the tests moved it on (to the start of a TOTP step). */
let offset = 0;
const clock: Clock = { now: () => new Date(Date.now() + offset) };
beforeAll(async () => {
  server = await startTestServer({ VERIFY_JWT_SECRET: verifyJwtSecret }, { clock });
});
afterAll(async () => {
  await server?.close();
});

interface Initiated {
  status: number;
  verificationId: string;
  attempts: number;
  expiredOn: number;
  consumer?: string;
  totpUri?: string;
  payload?: unknown;
}

async function initiate(consumer: string, extra: Record<string, unknown> = {}): Promise<Initiated> {
  const response = await jincor(server.url, "POST", "/methods/google_auth/actions/initiate", { body: { consumer, issuer: "Jincor", policy: { expiredOn: "00:05:00" }, ...extra } });
  expect(response.status, response.text).toBe(200);
  return response.json as Initiated;
}

const validate = (id: string, body: unknown) => jincor(server.url, "POST", `/methods/google_auth/verifiers/${id}/actions/validate`, { body });
/** The server's time in seconds: the codes below are computed for it. */
const nowSeconds = () => clock.now().getTime() / 1000;

// Each test starts one second into a fresh 30 s step: codes computed now stay in their step
// for the test's 29 seconds, with no sleeping.
beforeEach(() => {
  offset += (30 - (nowSeconds() % 30) + 1) * 1000;
});

/** A wrong code for `secret` now (no step within the drift window gives it). */
function wrongCode(secret: Buffer): string {
  const near = [-30, 0, 30].map((offset) => totp(secret, nowSeconds() + offset));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, "0");
    if (!near.includes(candidate)) return candidate;
  }
}

describe("Jincor google_auth", () => {
  it("answers totpUri on the first initiate and validates a code computed from its secret", async () => {
    const consumer = freshEmail();
    const initiated = await initiate(consumer, { payload: { flow: "2fa" } });
    expect(initiated).toEqual({
      status: 200,
      verificationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      attempts: 0,
      expiredOn: expect.any(Number),
      consumer,
      totpUri: expect.stringMatching(new RegExp(`^otpauth://totp/Jincor:${consumer.replace(/[.+]/g, "\\$&")}\\?secret=[A-Z2-7]{32}&issuer=Jincor&algorithm=SHA1&digits=6&period=30$`)),
      payload: { flow: "2fa" },
    });
    const secret = secretOf(initiated.totpUri!);
    expect(secret.length).toBe(20);
    const valid = await validate(initiated.verificationId, { code: totp(secret, nowSeconds()) });
    expect(valid.status, valid.text).toBe(200);
    expect(valid.json).toEqual({ status: 200, data: { verificationId: initiated.verificationId, consumer, expiredOn: initiated.expiredOn, payload: { flow: "2fa" }, attempts: 0 } });
  });

  it("replaces a temporary secret on each initiate until a code confirms it, then keeps it and sends no totpUri", async () => {
    const consumer = freshEmail();
    const first = await initiate(consumer);
    const second = await initiate(consumer);
    expect(second.totpUri).toBeDefined();
    const oldSecret = secretOf(first.totpUri!);
    const newSecret = secretOf(second.totpUri!);
    expect(newSecret.equals(oldSecret)).toBe(false);
    // A step where the old secret's code is none the new secret gives within the drift window.
    while ([-30, 0, 30].some((drift) => totp(newSecret, nowSeconds() + drift) === totp(oldSecret, nowSeconds()))) offset += 30_000;
    expect((await validate(second.verificationId, { code: totp(oldSecret, nowSeconds()) })).status).toBe(422);
    // Confirm with the previous step's code (one step of drift), so a later step is left to use.
    expect((await validate(second.verificationId, { code: totp(newSecret, nowSeconds() - 30) })).status).toBe(200);

    const third = await initiate(consumer);
    expect(third).not.toHaveProperty("totpUri");
    expect(third.consumer).toBe(consumer);
    expect((await validate(third.verificationId, { code: totp(newSecret, nowSeconds()) })).status).toBe(200);
  });

  // Replay: a TOTP code (its time step) is accepted once, even across verifications.
  it("refuses a code whose time step was already used", async () => {
    const consumer = freshEmail();
    const first = await initiate(consumer);
    const secret = secretOf(first.totpUri!);
    const code = totp(secret, nowSeconds());
    expect((await validate(first.verificationId, { code })).status).toBe(200);
    const second = await initiate(consumer);
    const replay = await validate(second.verificationId, { code });
    expect(replay.status).toBe(422);
    expect(replay.json).toMatchObject({ status: 422, error: "Invalid code", data: { verificationId: second.verificationId, attempts: 1 } });
    // An older step than the one used is refused too.
    expect((await validate(second.verificationId, { code: totp(secret, nowSeconds() - 30) })).status).toBe(422);
  });

  // Guessing: the 5th wrong code kills the verification; the right code never works after.
  it("counts wrong codes and kills the verification at the 5th: a 6th attempt fails even with the right code", async () => {
    const consumer = freshEmail();
    const initiated = await initiate(consumer);
    const secret = secretOf(initiated.totpUri!);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wrong = await validate(initiated.verificationId, { code: wrongCode(secret) });
      expect(wrong.status).toBe(422);
      expect(wrong.json).toEqual({ status: 422, error: "Invalid code", data: { verificationId: initiated.verificationId, consumer, expiredOn: initiated.expiredOn, attempts: attempt } });
    }
    const sixth = await validate(initiated.verificationId, { code: totp(secret, nowSeconds()) });
    expect(sixth).toMatchObject({ status: 404, json: { status: 404, error: "Not found" } });
    expect((await validate(initiated.verificationId, { code: "abcdef" })).status).toBe(404);
  });

  it("removes the secret with removeSecret: true, so the next initiate offers a new one", async () => {
    const consumer = freshEmail();
    const first = await initiate(consumer);
    const secret = secretOf(first.totpUri!);
    expect((await validate(first.verificationId, { code: totp(secret, nowSeconds() - 30) })).status).toBe(200);
    const second = await initiate(consumer);
    expect(second.totpUri).toBeUndefined();
    const removed = await validate(second.verificationId, { code: totp(secret, nowSeconds()), removeSecret: true });
    expect(removed.status).toBe(200);
    expect(await server.app.database.db.selectFrom("verify_totp_secrets").selectAll().where("consumer", "=", consumer).executeTakeFirst()).toBeUndefined();
    const third = await initiate(consumer);
    expect(third.totpUri).toBeDefined();
    expect(secretOf(third.totpUri!).equals(secret)).toBe(false);
  });

  it("keeps the secret encrypted at rest", async () => {
    const consumer = freshEmail();
    const initiated = await initiate(consumer);
    const base32 = new URL(initiated.totpUri!).searchParams.get("secret")!;
    const row = await server.app.database.db.selectFrom("verify_totp_secrets").selectAll().where("consumer", "=", consumer).executeTakeFirstOrThrow();
    const stored = Buffer.from(row.secret);
    expect(stored.toString("latin1")).not.toContain(base32);
    expect(stored.includes(secretOf(initiated.totpUri!))).toBe(false);
    const verification = await server.app.database.db.selectFrom("challenges").selectAll().where("id", "=", initiated.verificationId).executeTakeFirstOrThrow();
    expect(verification.secret_hash).toBeNull();
  });

  it("ignores forcedCode and needs neither template nor generateCode; GET and DELETE work as for the other methods", async () => {
    const consumer = freshEmail();
    const initiated = await initiate(consumer, { policy: { expiredOn: "00:05:00", forcedCode: "123456" } });
    const got = await jincor(server.url, "GET", `/methods/google_auth/verifiers/${initiated.verificationId}`);
    expect(got.json).toEqual({ status: 200, data: { verificationId: initiated.verificationId, consumer, expiredOn: initiated.expiredOn, attempts: 0 } });
    const secret = secretOf(initiated.totpUri!);
    // A step in which the forced code is not the right one by chance.
    while ([-30, 0, 30].some((drift) => totp(secret, nowSeconds() + drift) === "123456")) offset += 30_000;
    expect((await validate(initiated.verificationId, { code: "123456" })).status).toBe(422);
    expect((await jincor(server.url, "DELETE", `/methods/google_auth/verifiers/${initiated.verificationId}`)).json).toEqual({ status: 200 });
    expect((await validate(initiated.verificationId, { code: totp(secret, nowSeconds()) })).status).toBe(404);
  });

  it("refuses a forced id in use without replacing the consumer's temporary secret", async () => {
    const id = "0b7a2d1e-5c3f-4e8a-9b1d-2f6c8e4a7d10";
    const consumer = freshEmail();
    const first = await initiate(consumer, { policy: { expiredOn: "00:05:00", forcedVerificationId: id } });
    expect(first.verificationId).toBe(id);
    const clash = await jincor(server.url, "POST", "/methods/google_auth/actions/initiate", { body: { consumer, policy: { expiredOn: "00:05:00", forcedVerificationId: id } } });
    expect(clash.json).toEqual({ status: 422, error: "Invalid request", details: [{ path: "policy.forcedVerificationId", error: "is already in use" }] });
    expect((await validate(id, { code: totp(secretOf(first.totpUri!), nowSeconds()) })).status).toBe(200);
  });

  it("answers 422 naming consumer and policy.expiredOn when they are missing", async () => {
    const response = await jincor(server.url, "POST", "/methods/google_auth/actions/initiate", { body: { issuer: "Jincor" } });
    expect(response.json).toEqual({
      status: 422,
      error: "Invalid request",
      details: [
        { path: "consumer", error: "is required" },
        { path: "policy.expiredOn", error: "is required" },
      ],
    });
  });
});
