import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";

import { rest } from "../harness/rest.js";
import { callRpc, closeGrpcClients, rpcTransports } from "../harness/rpc.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { mailText, startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { badJwts, freshEmail, freshPhone, newIdentity, register, selfSigned, sendJwt, type Identity } from "./authentiq-client.js";

let server: TestServer;
let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await startSmtpSink();
  server = await startTestServer({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  closeGrpcClients();
  await server?.close();
  await smtp?.close();
});

const keyStatus = async (pk: string) => (await rest(server.url, "GET", `/key/${pk}`)).status;
const revokeByContact = (query: Record<string, string>) => rest(server.url, "DELETE", `/key?${new URLSearchParams(query)}`);

/** Registers `id` and binds a fresh email and phone to it. */
async function boundIdentity(): Promise<{ id: Identity; email: string; phone: string }> {
  const id = newIdentity();
  await register(server.url, id);
  const email = freshEmail();
  const phone = freshPhone();
  const bound = await sendJwt(server.url, "PUT", `/key/${id.pk}`, await selfSigned(id, { email, phone }));
  expect(bound.status, bound.text).toBe(200);
  return { id, email, phone };
}

/** Asks for a revocation code and reads it from the email. */
async function revocationCode(email: string, phone: string): Promise<string> {
  const before = smtp.messages.length;
  const pending = await revokeByContact({ email, phone });
  expect(pending.status).toBe(200);
  expect(pending.json).toEqual({ status: "pending" });
  const mail = await smtp.waitFor(email);
  expect(smtp.messages.length).toBeGreaterThan(before);
  const code = /Authentiq ID is (\d{6})\./.exec(mailText(mail.raw))?.[1];
  expect(code).toMatch(/^\d{6}$/);
  smtp.messages.splice(smtp.messages.indexOf(mail), 1);
  return code!;
}

describe("Authentiq POST /key/{PK} (update)", () => {
  it("updates the device token with a JWT signed by the key, and refuses one signed by another", async () => {
    const id = newIdentity();
    await register(server.url, id);
    const updated = await sendJwt(server.url, "POST", `/key/${id.pk}`, await selfSigned(id, { devtoken: "new-device" }));
    expect(updated.status).toBe(200);
    expect(updated.json).toEqual({ status: "confirmed" });

    const other = newIdentity();
    const foreign = await sendJwt(server.url, "POST", `/key/${id.pk}`, await selfSigned(other, { devtoken: "hijack" }));
    expect(foreign.status).toBe(401);
    expect(foreign.json).toMatchObject({ error: 401, title: "auth-error", type: "auth-error" });
    const unknown = newIdentity();
    const missing = await sendJwt(server.url, "POST", `/key/${unknown.pk}`, await selfSigned(unknown, { devtoken: "x" }));
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: 404, type: "unknown-key" });
    expect((await sendJwt(server.url, "POST", "/key/short", await selfSigned(id))).status).toBe(400);
  });

  it("refuses every bad JWT with a 4xx in the Error object", async () => {
    const id = newIdentity();
    await register(server.url, id);
    for (const [name, jwt, status] of await badJwts(id, { devtoken: "d" })) {
      const response = await sendJwt(server.url, "POST", `/key/${id.pk}`, jwt);
      expect(response.status, name).toBe(status);
      expect(response.json, name).toMatchObject({ error: status, title: expect.any(String), type: expect.any(String), detail: expect.any(String) });
    }
  });
});

describe("Authentiq PUT /key/{PK} (bind email and phone)", () => {
  it("binds once; another key with the same email and phone is 409 duplicate-hash; bad contacts are 400", async () => {
    const { email, phone } = await boundIdentity();
    const other = newIdentity();
    await register(server.url, other);
    const duplicate = await sendJwt(server.url, "PUT", `/key/${other.pk}`, await selfSigned(other, { email: email.toUpperCase(), phone }));
    expect(duplicate.status).toBe(409);
    expect(duplicate.json).toMatchObject({ error: 409, title: "duplicate-hash", type: "duplicate-hash" });
    for (const claims of [{ email, phone: "12" }, { email: "not-an-email", phone }, { email }, { phone }]) {
      const bad = await sendJwt(server.url, "PUT", `/key/${other.pk}`, await selfSigned(other, claims));
      expect(bad.status, JSON.stringify(claims)).toBe(400);
      expect(bad.json).toMatchObject({ error: 400 });
    }
    const signedByOther = await sendJwt(server.url, "PUT", `/key/${other.pk}`, await selfSigned(other, { email: freshEmail(), phone }, newIdentity().privateKey));
    expect(signedByOther.status).toBe(401);
  });

  it("stores the email and phone as hashes only", async () => {
    const { id, email, phone } = await boundIdentity();
    const row = await server.app.database.db.selectFrom("authentiq_keys").selectAll().where("pk", "=", id.pk).executeTakeFirstOrThrow();
    const stored = JSON.stringify(row, (_, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString("latin1") : value));
    expect(stored).not.toContain(email);
    expect(stored).not.toContain(phone.slice(1));
    expect(row.email_hash).toHaveLength(32);
  });
});

describe("Authentiq DELETE /key?email=&phone= (revoke without the secret)", () => {
  it("emails a code, answers pending, and revokes with the code: done", async () => {
    const { id, email, phone } = await boundIdentity();
    const code = await revocationCode(email, phone);
    const done = await revokeByContact({ email, phone, code });
    expect(done.status).toBe(200);
    expect(done.json).toEqual({ status: "done" });
    expect(await keyStatus(id.pk)).toBe(410);
    // Single use: the code is spent.
    const again = await revokeByContact({ email, phone, code });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ type: "confirm-first" });
  });

  it("refuses a wrong code with 401 auth-error and keeps the key; the 5th wrong code burns the request", async () => {
    const { id, email, phone } = await boundIdentity();
    const code = await revocationCode(email, phone);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await revokeByContact({ email, phone, code: wrong });
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ error: 401, title: "auth-error", type: "auth-error" });
    }
    // Brute force stops here: even the right code no longer revokes.
    expect((await revokeByContact({ email, phone, code })).status).toBe(409);
    expect(await keyStatus(id.pk)).toBe(200);
  });

  it("answers an unbound email and phone exactly as a bound one, and sends nothing", async () => {
    // Account enumeration: the answer must not tell whether a key holds the address.
    const email = freshEmail();
    const pending = await revokeByContact({ email, phone: freshPhone() });
    expect(pending.status).toBe(200);
    expect(pending.json).toEqual({ status: "pending" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.some((mail) => mail.to.includes(email))).toBe(false);
    expect((await revokeByContact({ email, phone: freshPhone(), code: "123456" })).status).toBe(409);
  });

  it("refuses missing or malformed contacts with 400 and a flood of requests with 429 rate-limit", async () => {
    expect((await revokeByContact({ email: freshEmail() })).status).toBe(400);
    expect((await revokeByContact({ email: "nope", phone: freshPhone() })).status).toBe(400);
    const email = freshEmail();
    const phone = freshPhone();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await revokeByContact({ email, phone })).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.at(-1)).toBe(429);
    expect((await revokeByContact({ email, phone })).json).toMatchObject({ error: 429, type: "rate-limit" });
  });
});

describe.each(rpcTransports)("Authentiq key update, binding and revocation over %s", (transport) => {
  const identity = (method: string, input: Record<string, unknown>) => callRpc(transport, server.url, IdentityService, IdentityServiceService, method, input);

  it("updates, binds, refuses a duplicate binding and revokes by email, phone and code", async () => {
    const id = newIdentity();
    expect(await identity("RegisterKey", { jwt: await selfSigned(id, { devtoken: "d1" }) })).toMatchObject({ ok: true });
    expect(await identity("UpdateKey", { pk: id.pk, jwt: await selfSigned(id, { devtoken: "d2" }) })).toEqual({ ok: true, output: { status: "confirmed" } });
    expect(await identity("UpdateKey", { pk: id.pk, jwt: await selfSigned(newIdentity()) })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "AUTH_ERROR" });
    const email = freshEmail();
    const phone = freshPhone();
    expect(await identity("BindKey", { pk: id.pk, jwt: await selfSigned(id, { email, phone }) })).toEqual({ ok: true, output: { status: "confirmed" } });
    const other = newIdentity();
    await register(server.url, other);
    expect(await identity("BindKey", { pk: other.pk, jwt: await selfSigned(other, { email, phone }) })).toMatchObject({ ok: false, code: Code.AlreadyExists, reason: "DUPLICATE_HASH" });
    expect(await identity("BindKey", { pk: newIdentity().pk, jwt: "garbage" })).toMatchObject({ ok: false, code: Code.InvalidArgument, reason: "INVALID_JWT" });

    expect(await identity("RevokeKeyByContact", { email, phone, code: "000000" })).toMatchObject({ ok: false, code: Code.FailedPrecondition, reason: "CONFIRM_FIRST" });
    expect(await identity("RevokeKeyByContact", { email, phone })).toEqual({ ok: true, output: { status: "pending" } });
    const mail = await smtp.waitFor(email);
    const code = /Authentiq ID is (\d{6})\./.exec(mailText(mail.raw))![1]!;
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    expect(await identity("RevokeKeyByContact", { email, phone, code: wrong })).toMatchObject({ ok: false, code: Code.Unauthenticated, reason: "AUTH_ERROR" });
    expect(await identity("RevokeKeyByContact", { email, phone, code })).toEqual({ ok: true, output: { status: "done" } });
    expect(await identity("GetKey", { pk: id.pk })).toMatchObject({ ok: false, reason: "REVOKED_KEY" });
  });
});
