import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/server.js";
import { mailText, startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";
import { freshEmail, freshPhone, jincor, verifyJwtSecret } from "./jincor-client.js";

let server: TestServer;
let smtp: SmtpSink;
let sms: WebhookSink;
beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startWebhookSink();
  server = await startTestServer({ VERIFY_JWT_SECRET: verifyJwtSecret, SMTP_URL: smtp.url, SMS_WEBHOOK_URL: sms.url });
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await sms?.close();
});

interface Initiated {
  status: number;
  verificationId: string;
  attempts: number;
  expiredOn: number;
  payload?: unknown;
}

const emailBody = (consumer: string, extra: Record<string, unknown> = {}) => ({
  consumer,
  issuer: "Jincor",
  template: { body: "Code {{{CODE}}} for {{{VERIFICATION_ID}}}." },
  generateCode: { length: 8, symbolSet: ["DIGITS"] },
  policy: { expiredOn: "01:00:00" },
  ...extra,
});

async function initiate(method: "email" | "phone", body: unknown): Promise<Initiated> {
  const response = await jincor(server.url, "POST", `/methods/${method}/actions/initiate`, { body });
  expect(response.status, response.text).toBe(200);
  return response.json as Initiated;
}

/** Starts an email verification and reads its code from the SMTP sink. */
async function emailVerification(extra: Record<string, unknown> = {}) {
  const consumer = freshEmail();
  const initiated = await initiate("email", emailBody(consumer, extra));
  const text = mailText((await smtp.waitFor(consumer)).raw);
  const match = /Code (\S+) for ([0-9a-f-]{36})\./.exec(text);
  expect(match?.[2]).toBe(initiated.verificationId);
  return { consumer, initiated, code: match![1]!, text };
}

const validate = (method: string, id: string, body: unknown) => jincor(server.url, "POST", `/methods/${method}/verifiers/${id}/actions/validate`, { body });

describe("Jincor email verification", () => {
  it("initiates as documented, emails the code in the template, and validates it once", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { consumer, initiated, code } = await emailVerification({ payload: { your: "custom payload" } });
    expect(initiated).toEqual({ status: 200, verificationId: expect.stringMatching(/^[0-9a-f-]{36}$/), attempts: 0, expiredOn: expect.any(Number), payload: { your: "custom payload" } });
    expect(initiated.expiredOn).toBeGreaterThanOrEqual(before + 3600);
    expect(initiated.expiredOn).toBeLessThanOrEqual(before + 3602);
    expect(code).toMatch(/^\d{8}$/);

    const valid = await validate("email", initiated.verificationId, { code });
    expect(valid.status).toBe(200);
    expect(valid.json).toEqual({
      status: 200,
      data: { verificationId: initiated.verificationId, consumer, expiredOn: initiated.expiredOn, payload: { your: "custom payload" }, attempts: 0 },
    });
  });

  // Replay: a code is single use; the consumed verification is gone, as in Jincor.
  it("refuses the same code a second time (404 Not found)", async () => {
    const { initiated, code } = await emailVerification();
    expect((await validate("email", initiated.verificationId, { code })).status).toBe(200);
    const again = await validate("email", initiated.verificationId, { code });
    expect(again.status).toBe(404);
    expect(again.json).toEqual({ status: 404, error: "Not found" });
    expect((await jincor(server.url, "GET", `/methods/email/verifiers/${initiated.verificationId}`)).status).toBe(404);
  });

  it("answers 422 Invalid code with the verification and its attempts counted up", async () => {
    const { consumer, initiated, code } = await emailVerification({ payload: { a: 1 } });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const wrong = await validate("email", initiated.verificationId, { code: `${code}x` });
      expect(wrong.status).toBe(422);
      expect(wrong.json).toEqual({
        status: 422,
        error: "Invalid code",
        data: { verificationId: initiated.verificationId, consumer, expiredOn: initiated.expiredOn, payload: { a: 1 }, attempts: attempt },
      });
    }
    const got = await jincor(server.url, "GET", `/methods/email/verifiers/${initiated.verificationId}`);
    expect(got.json).toEqual({ status: 200, data: { verificationId: initiated.verificationId, consumer, expiredOn: initiated.expiredOn, payload: { a: 1 }, attempts: 2 } });
    expect((await validate("email", initiated.verificationId, { code })).status).toBe(200);
  });

  // Guessing: the 5th wrong code kills the verification; the right code never works after.
  it("kills the verification at the 5th wrong code: a 6th attempt fails even with the right code", async () => {
    const { initiated, code } = await emailVerification();
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wrong = await validate("email", initiated.verificationId, { code: "00000000x" });
      expect(wrong.status).toBe(422);
      expect((wrong.json as { data: { attempts: number } }).data.attempts).toBe(attempt);
    }
    const sixth = await validate("email", initiated.verificationId, { code });
    expect(sixth.status).toBe(404);
    expect(sixth.json).toEqual({ status: 404, error: "Not found" });
  });

  // Racing: parallel calls must not validate one code twice, nor grant more than 5 guesses.
  it("lets exactly one of parallel right codes through, and no more than 5 parallel wrong codes count", async () => {
    const { initiated, code } = await emailVerification();
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => validate("email", initiated.verificationId, { code })))).map((r) => r.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 404)).toHaveLength(5);

    const guessed = await emailVerification();
    const wrong = await Promise.all(Array.from({ length: 8 }, () => validate("email", guessed.initiated.verificationId, { code: "guess" })));
    expect(wrong.filter((r) => r.status === 422).map((r) => (r.json as { data: { attempts: number } }).data.attempts).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(wrong.filter((r) => r.status === 404)).toHaveLength(3);
    expect((await validate("email", guessed.initiated.verificationId, { code: guessed.code })).status).toBe(404);
  });

  it("answers 404 Not found to an expired verification, even with the right code", async () => {
    const { initiated, code } = await emailVerification();
    await server.app.database.db.updateTable("challenges").set({ expires_at: new Date(Date.now() - 1000) }).where("id", "=", initiated.verificationId).execute();
    expect((await validate("email", initiated.verificationId, { code })).json).toEqual({ status: 404, error: "Not found" });
    expect((await jincor(server.url, "GET", `/methods/email/verifiers/${initiated.verificationId}`)).status).toBe(404);
  });

  it("gets and deletes a verification; a deleted one is Not found and its code no longer validates", async () => {
    const { consumer, initiated, code } = await emailVerification();
    const got = await jincor(server.url, "GET", `/methods/email/verifiers/${initiated.verificationId}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual({ status: 200, data: { verificationId: initiated.verificationId, consumer, expiredOn: initiated.expiredOn, attempts: 0 } });
    const deleted = await jincor(server.url, "DELETE", `/methods/email/verifiers/${initiated.verificationId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ status: 200 });
    expect((await jincor(server.url, "DELETE", `/methods/email/verifiers/${initiated.verificationId}`)).json).toEqual({ status: 404, error: "Not found" });
    expect((await jincor(server.url, "GET", `/methods/email/verifiers/${initiated.verificationId}`)).json).toEqual({ status: 404, error: "Not found" });
    expect((await validate("email", initiated.verificationId, { code })).status).toBe(404);
  });

  it("answers 404 Not found for unknown ids, ids that are not UUIDs, and another method's verification", async () => {
    const { initiated, code } = await emailVerification();
    for (const [method, path] of [
      ["GET", "/methods/email/verifiers/afde0e7d-3a1f-4d51-8dad-7d0229bd64c4"],
      ["DELETE", "/methods/email/verifiers/afde0e7d-3a1f-4d51-8dad-7d0229bd64c4"],
      ["GET", "/methods/email/verifiers/not-a-uuid"],
      ["GET", `/methods/phone/verifiers/${initiated.verificationId}`],
    ] as const) {
      const response = await jincor(server.url, method, path);
      expect(response.status, path).toBe(404);
      expect(response.json).toEqual({ status: 404, error: "Not found" });
    }
    expect((await validate("phone", initiated.verificationId, { code })).status).toBe(404);
    expect((await validate("email", "afde0e7d-3a1f-4d51-8dad-7d0229bd64c4", { code })).json).toEqual({ status: 404, error: "Not found" });
    expect((await validate("email", initiated.verificationId, { code })).status).toBe(200);
  });

  it("stores only an HMAC of the code", async () => {
    const { initiated, code } = await emailVerification();
    const row = await server.app.database.db.selectFrom("challenges").selectAll().where("id", "=", initiated.verificationId).executeTakeFirstOrThrow();
    expect(row.secret_hash?.length).toBe(32);
    expect(Buffer.from(row.secret_hash!).toString("latin1")).not.toContain(code);
  });

  it("uses forcedVerificationId and forcedCode, and refuses the id while it is live", async () => {
    const id = "395a0e7d-3a1f-4d51-8dad-7d0229bd64ac";
    const consumer = freshEmail();
    const body = emailBody(consumer, { policy: { expiredOn: "00:01:00", forcedVerificationId: id, forcedCode: "12345678" } });
    const first = await initiate("email", body);
    expect(first.verificationId).toBe(id);
    expect(mailText((await smtp.waitFor(consumer)).raw)).toContain(`Code 12345678 for ${id}.`);
    const clash = await jincor(server.url, "POST", "/methods/email/actions/initiate", { body });
    expect(clash.status).toBe(422);
    expect(clash.json).toEqual({ status: 422, error: "Invalid request", details: [{ path: "policy.forcedVerificationId", error: "is already in use" }] });
    expect((await validate("email", id, { code: "12345678" })).status).toBe(200);
    // Once consumed, the id may be used again.
    expect((await initiate("email", body)).verificationId).toBe(id);
  });

  it("draws codes from the named and literal symbol sets, and appends the code to a body without {{{CODE}}}", async () => {
    const consumer = freshEmail();
    await initiate("email", emailBody(consumer, { template: { body: "Your code:" }, generateCode: { length: 32, symbolSet: ["alphas", "ALPHAS", "#!"] } }));
    const text = mailText((await smtp.waitFor(consumer)).raw).trim();
    expect(text).toMatch(/^Your code: [a-zA-Z#!]{32}$/);

    const digits = freshEmail();
    await initiate("email", emailBody(digits, { generateCode: { length: 6, symbolSet: ["xyz"] } }));
    expect(mailText((await smtp.waitFor(digits)).raw)).toMatch(/Code [xyz]{6} for /);
  });
});

describe("Jincor phone verification", () => {
  it("sends the code by the SMS webhook and validates it", async () => {
    const consumer = freshPhone();
    const initiated = await initiate("phone", {
      consumer,
      template: { body: "Your code is {{{CODE}}}" },
      generateCode: { length: 6, symbolSet: ["DIGITS"] },
      policy: { expiredOn: "00:05:00" },
      payload: { userId: 7 },
    });
    expect(initiated).toMatchObject({ status: 200, attempts: 0, payload: { userId: 7 } });
    const call = await sms.waitFor(consumer);
    const code = /^Your code is (\d{6})$/.exec(call.body.body)?.[1];
    expect(code).toBeDefined();
    expect((await validate("phone", initiated.verificationId, { code: "x" })).status).toBe(422);
    const valid = await validate("phone", initiated.verificationId, { code });
    expect(valid.json).toMatchObject({ status: 200, data: { verificationId: initiated.verificationId, consumer, attempts: 1, payload: { userId: 7 } } });
    expect((await jincor(server.url, "DELETE", `/methods/phone/verifiers/${initiated.verificationId}`)).status).toBe(404);
  });
});
