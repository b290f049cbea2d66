import { Code } from "@connectrpc/connect";
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScopeServiceService } from "../../gen/grpc-js/tessera/scope/v1/scope.js";
import { ScopeService } from "../../gen/es/tessera/scope/v1/scope_pb.js";

import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { mailText, startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";
import { badJwts, freshEmail, freshPhone, newIdentity, register, selfSigned, sendJwt, type Identity } from "./authentiq-client.js";

let server: TestServer;
let smtp: SmtpSink;
let sms: WebhookSink;
beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startWebhookSink();
  server = await startTestServer({ SMTP_URL: smtp.url, SMS_WEBHOOK_URL: sms.url, ORIGIN: "https://id.example.com" });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
  await smtp?.close();
  await sms?.close();
});

const unknownJob = { error: 404, title: "unknown-job", type: "unknown-job" };

async function registered(): Promise<Identity> {
  const id = newIdentity();
  await register(server.url, id);
  return id;
}

/** Opens an email scope job for a new key; returns the job id and the address. */
async function openJob(query = ""): Promise<{ id: Identity; email: string; job: string }> {
  const id = await registered();
  const email = freshEmail();
  const created = await sendJwt(server.url, "POST", `/scope${query}`, await selfSigned(id, { scope: "email", email }));
  expect(created.status, created.text).toBe(201);
  expect(created.json).toEqual({ job: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/), status: "waiting" });
  return { id, email, job: (created.json as { job: string }).job };
}

async function issuerKeys(test: boolean) {
  const response = await rest(server.url, "GET", `/.well-known/authentiq-jwks.json${test ? "?test=1" : ""}`);
  expect(response.status).toBe(200);
  return createLocalJWKSet(response.json as JSONWebKeySet);
}

const jobCount = async () => Number((await server.app.database.db.selectFrom("authentiq_scope_jobs").select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow()).n);

describe("Authentiq scope jobs over REST", () => {
  it("runs waiting → confirmed → signed: 204 until signed, then the claims as JSON or as the issuer's JWT", async () => {
    const { id, email, job } = await openJob();
    const mail = await smtp.waitFor(email);
    expect(mailText(mail.raw)).toContain(job);

    for (const method of ["GET", "HEAD"]) expect((await rest(server.url, method, `/scope/${job}`)).status, method).toBe(204);
    const early = await rest(server.url, "PUT", `/scope/${job}`);
    expect(early.status).toBe(409);
    expect(early.json).toMatchObject({ error: 409, title: "confirm-first", type: "confirm-first" });

    const withJwt = await sendJwt(server.url, "POST", `/scope/${job}`, await selfSigned(id, { scope: "email" }));
    expect(withJwt.status).toBe(405);
    expect(withJwt.json).toMatchObject({ error: 405, title: "not-supported", type: "not-supported" });

    const confirmed = await rest(server.url, "POST", `/scope/${job}`);
    expect(confirmed.status).toBe(202);
    expect(confirmed.json).toEqual({ status: "confirmed" });
    const waiting = await rest(server.url, "GET", `/scope/${job}`);
    expect(waiting.status).toBe(204);
    expect(waiting.text).toBe("");
    expect((await rest(server.url, "HEAD", `/scope/${job}`)).status).toBe(204);

    const signed = await rest(server.url, "PUT", `/scope/${job}`);
    expect(signed.status).toBe(200);
    expect(signed.json).toEqual({ status: "ready", jwt: expect.any(String) });
    const jwt = (signed.json as { jwt: string }).jwt;
    const { payload, protectedHeader } = await jwtVerify(jwt, await issuerKeys(false), { issuer: "https://id.example.com" });
    expect(protectedHeader.alg).toBe("EdDSA");
    expect(payload).toEqual({ sub: id.pk, scope: "email", email, iss: "https://id.example.com", iat: expect.any(Number), exp: expect.any(Number) });
    await expect(jwtVerify(jwt, await issuerKeys(true))).rejects.toThrow();

    const asJson = await rest(server.url, "GET", `/scope/${job}`);
    expect(asJson.status).toBe(200);
    expect(asJson.json).toEqual(payload);
    const asJwt = await rest(server.url, "GET", `/scope/${job}`, { headers: { accept: "application/jwt" } });
    expect(asJwt.status).toBe(200);
    expect(asJwt.headers["content-type"]).toBe("application/jwt");
    expect(asJwt.text).toBe(jwt);
    const head = await rest(server.url, "HEAD", `/scope/${job}`);
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
    expect((await rest(server.url, "PUT", `/scope/${job}`)).json).toEqual({ status: "ready", jwt });

    const deleted = await rest(server.url, "DELETE", `/scope/${job}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ status: "done" });
    for (const method of ["GET", "POST", "PUT", "DELETE"]) {
      const gone = await rest(server.url, method, `/scope/${job}`);
      expect(gone.status, method).toBe(404);
      expect(gone.json, method).toMatchObject(unknownJob);
    }
    expect((await rest(server.url, "HEAD", `/scope/${job}`)).status).toBe(404);
  });

  it("answers 404 unknown-job on every method for a job that never was, or a malformed id", async () => {
    for (const job of ["AAAAAAAAAAAAAAAAAAAA", "short", "x".repeat(40)]) {
      for (const method of ["GET", "POST", "PUT", "DELETE"]) {
        const response = await rest(server.url, method, `/scope/${job}`);
        expect(response.status, `${method} ${job}`).toBe(404);
        expect(response.json, `${method} ${job}`).toMatchObject(unknownJob);
      }
      expect((await rest(server.url, "HEAD", `/scope/${job}`)).status).toBe(404);
    }
  });

  it("signs ?test=1 jobs with the test issuer only", async () => {
    const { job } = await openJob("?test=1");
    expect((await rest(server.url, "POST", `/scope/${job}`)).status).toBe(202);
    const jwt = ((await rest(server.url, "PUT", `/scope/${job}`)).json as { jwt: string }).jwt;
    const { payload } = await jwtVerify(jwt, await issuerKeys(true));
    expect(payload.iss).toBe("https://id.example.com/test");
    await expect(jwtVerify(jwt, await issuerKeys(false))).rejects.toThrow();
  });

  it("texts phone scopes to the number", async () => {
    const id = await registered();
    const phone = freshPhone();
    const created = await sendJwt(server.url, "POST", "/scope", await selfSigned(id, { scope: "phone", phone }));
    expect(created.status).toBe(201);
    const text = await sms.waitFor(phone);
    expect(text.body.body).toContain((created.json as { job: string }).job);
  });

  it("expires jobs", async () => {
    const { job } = await openJob();
    await server.app.database.db.updateTable("authentiq_scope_jobs").set({ expires_at: new Date(Date.now() - 1000) }).where("status", "=", "waiting").execute();
    expect((await rest(server.url, "GET", `/scope/${job}`)).status).toBe(404);
    expect((await rest(server.url, "POST", `/scope/${job}`)).status).toBe(404);
  });

  it("refuses bad claims and bad JWTs, and stores nothing", async () => {
    const id = await registered();
    const before = await jobCount();
    for (const [name, jwt, status] of await badJwts(id, { scope: "email", email: freshEmail() })) {
      const response = await sendJwt(server.url, "POST", "/scope", jwt);
      expect(response.status, name).toBe(status);
      expect(response.json, name).toMatchObject({ error: status, type: expect.any(String) });
    }
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ["no scope", { email: freshEmail() }, 400, "bad-request"],
      ["email scope without email", { scope: "email" }, 400, "bad-request"],
      ["malformed email", { scope: "email", email: "nope" }, 400, "bad-request"],
      ["malformed phone", { scope: "phone", phone: "0800" }, 400, "bad-request"],
    ];
    for (const [name, claims, status, type] of cases) {
      const response = await sendJwt(server.url, "POST", "/scope", await selfSigned(id, claims));
      expect(response.status, name).toBe(status);
      expect(response.json, name).toMatchObject({ error: status, type });
    }
    const stranger = newIdentity();
    const unknown = await sendJwt(server.url, "POST", "/scope", await selfSigned(stranger, { scope: "email", email: freshEmail() }));
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ type: "unknown-key" });
    const json = await rest(server.url, "POST", "/scope", { body: { sub: id.pk, scope: "email" } });
    expect(json.status).toBeGreaterThanOrEqual(400);
    expect(json.status).toBeLessThan(500);
    expect(await jobCount()).toBe(before);
  });

  it("lets 5 requests a minute for one address through and answers the next with 429 rate-limit", async () => {
    const id = await registered();
    const email = freshEmail();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await sendJwt(server.url, "POST", "/scope", await selfSigned(id, { scope: "email", email }))).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    const limited = await sendJwt(server.url, "POST", "/scope", await selfSigned(id, { scope: "email", email }));
    expect(limited.json).toMatchObject({ error: 429, title: "rate-limit", type: "rate-limit" });
    // Another address is not held back by this one.
    expect((await sendJwt(server.url, "POST", "/scope", await selfSigned(id, { scope: "email", email: freshEmail() }))).status).toBe(201);
  });
});

describe.each(rpcTransports)("Authentiq scope jobs over %s", (transport) => {
  const scope = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, ScopeService, ScopeServiceService, method, input);

  it("creates, confirms, signs, reads and deletes a job; refusals carry their reasons", async () => {
    const id = await registered();
    const email = freshEmail();
    const created = await scope("CreateScopeJob", { jwt: await selfSigned(id, { scope: "email", email }) });
    expect(created).toEqual({ ok: true, output: { job: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/), status: "waiting" } });
    const job = (created as unknown as { output: { job: string } }).output.job;
    expect(await scope("GetScopeJob", { job })).toEqual({ ok: true, output: { status: "waiting", signed: false, jwt: "" } });
    expect(await scope("SignScopeJob", { job })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "CONFIRM_FIRST" });
    expect(await scope("ConfirmScopeJob", { job, jwt: "a.b.c" })).toMatchObject({ ok: false, reason: "NOT_SUPPORTED" });
    expect(await scope("ConfirmScopeJob", { job })).toEqual({ ok: true, output: { status: "confirmed" } });
    expect(await scope("GetScopeJob", { job })).toMatchObject({ ok: true, output: { status: "confirmed", signed: false } });
    const signed = await scope("SignScopeJob", { job });
    expect(signed).toEqual({ ok: true, output: { status: "ready", jwt: expect.any(String) } });
    const jwt = (signed as unknown as { output: { jwt: string } }).output.jwt;
    const keys = await scope("GetIssuerKeys", {});
    const { payload } = await jwtVerify(jwt, createLocalJWKSet((keys as unknown as { output: JSONWebKeySet }).output));
    expect(payload).toMatchObject({ sub: id.pk, email, scope: "email" });
    expect(await scope("GetScopeJob", { job })).toEqual({ ok: true, output: { status: "ready", signed: true, claims: decodeJwt(jwt), jwt } });
    expect(await scope("DeleteScopeJob", { job })).toEqual({ ok: true, output: { status: "done" } });
    expect(await scope("GetScopeJob", { job })).toMatchObject({ ok: false, code: Code.NotFound, reason: "UNKNOWN_JOB" });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await scope("CreateScopeJob", { jwt: await selfSigned(id, { scope: "email", email }) }));
    expect(results.slice(0, 4).every((result) => result.ok)).toBe(true);
    expect(results.at(-1)).toMatchObject({ ok: false, code: Code.ResourceExhausted, reason: "RATE_LIMIT" });
    expect(await scope("CreateScopeJob", { jwt: "not a jwt" })).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "INVALID_JWT" });
    expect(await scope("CreateScopeJob", { jwt: await selfSigned(id, { scope: "email", email }, newIdentity().privateKey) })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "AUTH_ERROR" });
  });
});
