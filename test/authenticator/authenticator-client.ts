import { expect } from "vitest";

import { rest, type RestOptions, type RestResponse } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { mailText, startSmtpSink, type SmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink, type WebhookSink } from "../harness/webhook-sink.js";

let counter = 0;

/** A fresh, unique email address. */
export function freshEmail(): string {
  return `auth${++counter}-${process.pid}-${Date.now()}@example.com`;
}

/** A fresh, unique phone number. */
export function freshPhone(): string {
  return `+4470${String(process.pid % 10_000).padStart(4, "0")}${String(++counter).padStart(5, "0")}`;
}

/** The sinks codes arrive in. */
export interface Sinks {
  smtp: SmtpSink;
  sms: WebhookSink;
}

/** A token and the client id it is bound to. */
export interface Held {
  token: string;
  clientId: string;
}

/** The claims of a JWT (not verified: the test only reads them). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** `Authorization: Bearer` and the `CLIENTID` cookie of a held token. */
export function auth(held: Held): Record<string, string> {
  return { authorization: `Bearer ${held.token}`, cookie: `CLIENTID=${held.clientId}` };
}

/** A REST call to the Authenticator API. */
export function api(server: TestServer, method: string, path: string, options: RestOptions = {}): Promise<RestResponse> {
  return rest(server.url, method, `/api/v1${path}`, options);
}

/** How many messages went to `to` so far. */
export function sentCount(sinks: Sinks, to: string): number {
  return to.startsWith("+") ? sinks.sms.calls.filter((call) => call.body.to === to).length : sinks.smtp.messages.filter((mail) => mail.to.includes(to)).length;
}

/** How many messages were queued for `to` (outbox rows, written with the token: no waiting for delivery). */
export async function queuedCount(server: TestServer, to: string): Promise<number> {
  return (await server.app.database.db.selectFrom("outbox").select("id").where("recipient", "=", to).execute()).length;
}

/** The text of the `index`-th message (0-based) to `to`, once it arrived. */
export async function messageText(sinks: Sinks, to: string, index: number): Promise<string> {
  await expect.poll(() => sentCount(sinks, to), { timeout: 5_000 }).toBeGreaterThan(index);
  if (to.startsWith("+")) return sinks.sms.calls.filter((call) => call.body.to === to)[index]!.body.body;
  return mailText(sinks.smtp.messages.filter((mail) => mail.to.includes(to))[index]!.raw);
}

/** The code in the `index`-th message to `to`. */
export async function codeSent(sinks: Sinks, to: string, index: number): Promise<string> {
  const match = /code is (\d{6})/.exec(await messageText(sinks, to, index));
  expect(match, "a 6-digit code in the message").not.toBeNull();
  return match![1]!;
}

/** The held token of a 200/201 answer `{token, clientID}`. */
export function heldFrom(response: RestResponse): Held {
  const body = response.json as { token: string; clientID: string };
  return { token: body.token, clientId: body.clientID };
}

/** A user signed up over REST and verified with the code from the sinks: an `authorized` token. */
export interface Account extends Held {
  contact: string;
  password: string;
  userId: string;
}

/** Signs a new user up with `contact` (email or phone) and a password, and verifies the code. */
export async function signUpVerified(server: TestServer, sinks: Sinks, contact = freshEmail(), password = "correct horse battery"): Promise<Account> {
  const field = contact.startsWith("+") ? "phone" : "email";
  const before = sentCount(sinks, contact);
  const started = await api(server, "POST", "/signup", { body: { [field]: contact, password } });
  expect(started.status, started.text).toBe(201);
  const code = await codeSent(sinks, contact, before);
  const verified = await api(server, "POST", "/signup/verify", { body: { code }, headers: auth(heldFrom(started)) });
  expect(verified.status, verified.text).toBe(201);
  const held = heldFrom(verified);
  return { ...held, contact, password, userId: String(claimsOf(held.token).user_id) };
}

/** Logs an account in with its password: the `identified` token, and the index of the code message. */
export async function logIn(server: TestServer, sinks: Sinks, account: { contact: string; password: string }): Promise<Held & { codeIndex: number }> {
  const field = account.contact.startsWith("+") ? "phone" : "email";
  const codeIndex = sentCount(sinks, account.contact);
  const response = await api(server, "POST", "/login", { body: { [field]: account.contact, password: account.password } });
  expect(response.status, response.text).toBe(200);
  return { ...heldFrom(response), codeIndex };
}

/** A server with SMTP and SMS sinks for one test file; `close` stops all three. */
export async function startWithSinks(env: Record<string, string> = {}): Promise<{ server: TestServer; sinks: Sinks; close(): Promise<void> }> {
  const sinks = { smtp: await startSmtpSink(), sms: await startWebhookSink() };
  const server = await startTestServer({ SMTP_URL: sinks.smtp.url, SMS_WEBHOOK_URL: sinks.sms.url, ...env });
  return {
    server,
    sinks,
    async close() {
      await server.close();
      await sinks.smtp.close();
      await sinks.sms.close();
    },
  };
}
