import { authenticator as totp } from "otplib";
import { expect } from "vitest";
import { api, auth, codeSent, freshEmail, heldFrom, sentCount, signUpVerified, type Account, type Sinks } from "../authenticator/authenticator-client.js";
import { accessPoint, apiKey, authenticator, origin, registerKey, type RegisteredKey } from "../authfi/authfi-client.js";
import { rest } from "../harness/rest.js";
import { startTestServer, type TestServer } from "../harness/server.js";
import { startSmtpSink } from "../harness/smtp-sink.js";
import { startWebhookSink } from "../harness/webhook-sink.js";
import type { StartOptions } from "../../src/app.js";
import type { SoftwareCredential } from "../harness/software-authenticator.js";
import { adminKey } from "./admin-client.js";

/** A server for the admin tests: the admin key, mail and SMS sinks, a WebAuthn origin and the AuthFi access point. */
export interface AdminWorld {
  server: TestServer;
  sinks: Sinks;
  close(): Promise<void>;
}

/** Starts Tessera for an admin test file; `env` and `options` (a clock) on top. */
export async function startAdminWorld(env: Record<string, string> = {}, options: Partial<StartOptions> = {}): Promise<AdminWorld> {
  const sinks = { smtp: await startSmtpSink(), sms: await startWebhookSink() };
  const server = await startTestServer(
    { SMTP_URL: sinks.smtp.url, SMS_WEBHOOK_URL: sinks.sms.url, ADMIN_API_KEY: adminKey, ORIGIN: origin, RP_NAME: "Example RP", AUTHFI_ACCESS_POINT: accessPoint, AUTHFI_API_KEY: apiKey, HANKO_PASSWORDS_ENABLED: "true", ...env },
    options,
  );
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

/** A Hanko user with a password and a passcode-login session. */
export interface HankoUser {
  userId: string;
  email: string;
  password: string;
  token: string;
  bearer: Record<string, string>;
}

/** The session token of a Hanko passcode login of `userId`; asserts it succeeded. */
export async function hankoPasscodeLogin(world: AdminWorld, userId: string, email: string): Promise<string> {
  const finalize = await hankoPasscodeAttempt(world, userId, email);
  expect(finalize.status, finalize.text).toBe(200);
  return String(finalize.headers["x-auth-token"]);
}

/** A Hanko passcode login of `userId`, initialize and finalize: the finalize answer (or the refused initialize). */
export async function hankoPasscodeAttempt(world: AdminWorld, userId: string, email: string) {
  const index = sentCount(world.sinks, email);
  const init = await rest(world.server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId } });
  if (init.status !== 200) return init;
  const code = await codeSent(world.sinks, email, index);
  return rest(world.server.url, "POST", "/passcode/login/finalize", { body: { id: (init.json as { id: string }).id, code } });
}

/** Creates a Hanko user (POST /users), logs them in with a passcode and sets a password. */
export async function hankoUser(world: AdminWorld): Promise<HankoUser> {
  const email = freshEmail();
  const created = await rest(world.server.url, "POST", "/users", { body: { email } });
  expect(created.status, created.text).toBe(200);
  const userId = (created.json as { user_id: string }).user_id;
  const token = await hankoPasscodeLogin(world, userId, email);
  const bearer = { authorization: `Bearer ${token}` };
  const password = "correct horse hanko";
  expect((await rest(world.server.url, "PUT", "/password", { body: { user_id: userId, password }, headers: bearer })).status).toBe(201);
  return { userId, email, password, token, bearer };
}

type PublicKeyOptions = { publicKey: Parameters<typeof authenticator.create>[0] };

/** Registers a passkey for a Hanko user over /webauthn/registration. */
export async function hankoPasskey(world: AdminWorld, user: HankoUser): Promise<SoftwareCredential> {
  const init = await rest(world.server.url, "POST", "/webauthn/registration/initialize", { headers: user.bearer });
  expect(init.status, init.text).toBe(200);
  const { credential, response } = authenticator.create((init.json as PublicKeyOptions).publicKey);
  const final = await rest(world.server.url, "POST", "/webauthn/registration/finalize", { body: response, headers: user.bearer });
  expect(final.status, final.text).toBe(200);
  return credential;
}

/** A Hanko passkey login of `userId` with `credential`: the initialize answer when refused, else the finalize answer. */
export async function hankoPasskeyAttempt(world: AdminWorld, userId: string, credential: SoftwareCredential) {
  const init = await rest(world.server.url, "POST", "/webauthn/login/initialize", { body: { user_id: userId } });
  if (init.status !== 200) return init;
  return rest(world.server.url, "POST", "/webauthn/login/finalize", { body: authenticator.get(credential, (init.json as PublicKeyOptions).publicKey.challenge) });
}

/** A discoverable Hanko passkey login with `credential` (no user named at the start). */
export async function hankoDiscoverableAttempt(world: AdminWorld, credential: SoftwareCredential) {
  const init = await rest(world.server.url, "POST", "/webauthn/login/initialize", {});
  expect(init.status, init.text).toBe(200);
  return rest(world.server.url, "POST", "/webauthn/login/finalize", { body: authenticator.get(credential, (init.json as PublicKeyOptions).publicKey.challenge, { withUserHandle: true }) });
}

/** An Authenticator API account (signed up, verified: an `authorized` token). */
export function authenticatorAccount(world: AdminWorld): Promise<Account> {
  return signUpVerified(world.server, world.sinks);
}

/** An Authenticator API password login with the code step: the answer that refused it, or the `authorized` token's. */
export async function authenticatorLoginAttempt(world: AdminWorld, account: Account) {
  const index = sentCount(world.sinks, account.contact);
  const login = await api(world.server, "POST", "/login", { body: { email: account.contact, password: account.password } });
  if (login.status !== 200) return login;
  const code = await codeSent(world.sinks, account.contact, index);
  return api(world.server, "POST", "/login/verify-code", { body: { code }, headers: auth(heldFrom(login)) });
}

/** An AuthFi key registered for a fresh user name, with that name and the user's Tessera id. */
export async function authfiKey(world: AdminWorld): Promise<RegisteredKey & { name: string; uuid: string }> {
  const name = freshEmail();
  const key = await registerKey(world.server, name);
  return { ...key, name, uuid: uuidOf(key.userId) };
}

/** The UUID whose 16 bytes are the base64url AuthFi user id (the WebAuthn user handle). */
export function uuidOf(base64url: string): string {
  const hex = Buffer.from(base64url, "base64url").toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** One person with something in every product that keeps users: an Authenticator API account with a TOTP secret, a Hanko session and a Hanko passkey. */
export interface EverywhereUser {
  account: Account;
  hanko: HankoUser;
  passkey: SoftwareCredential;
}

/** Signs up over the Authenticator API, enrols TOTP, logs in to Hanko with a passcode and registers a passkey there. */
export async function everywhereUser(world: AdminWorld): Promise<EverywhereUser> {
  const account = await authenticatorAccount(world);
  const patch = (body: unknown) => api(world.server, "PATCH", `/user/${account.userId}`, { body, headers: auth(account) });
  const offered = await patch({ is_totp_allowed: true });
  expect(offered.status, offered.text).toBe(200);
  const secret = (offered.json as { totp_secret: string }).totp_secret;
  expect((await patch({ is_totp_allowed: true, totp_code: totp.generate(secret) })).status).toBe(200);
  const token = await hankoPasscodeLogin(world, account.userId, account.contact);
  const hanko = { userId: account.userId, email: account.contact, password: account.password, token, bearer: { authorization: `Bearer ${token}` } };
  return { account, hanko, passkey: await hankoPasskey(world, hanko) };
}

export { accessPoint, api, auth, authenticator, type Account, type RegisteredKey };
