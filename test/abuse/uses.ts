import { randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { authenticator as otp } from "otplib";
import { expect } from "vitest";
import { ScopeService } from "../../gen/es/tessera/scope/v1/scope_pb.js";
import { AuthenticatorService } from "../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { IdentityService } from "../../gen/es/tessera/identity/v1/identity_pb.js";
import { SessionService } from "../../gen/es/tessera/session/v1/session_pb.js";
import { VerifyService } from "../../gen/es/tessera/verify/v1/verify_pb.js";
import { ScopeServiceService } from "../../gen/grpc-js/tessera/scope/v1/scope.js";
import { AuthenticatorServiceService } from "../../gen/grpc-js/tessera/authenticator/v1/authenticator.js";
import { IdentityServiceService } from "../../gen/grpc-js/tessera/identity/v1/identity.js";
import { SessionServiceService } from "../../gen/grpc-js/tessera/session/v1/session.js";
import { VerifyServiceService } from "../../gen/grpc-js/tessera/verify/v1/verify.js";
import { register, selfSigned, sendJwt, newIdentity } from "../authentiq/authentiq-client.js";
import { rest } from "../harness/rest.js";
import { callRpc, type RpcTransport } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";
import { bearer, serviceToken, verifyJwtSecret } from "../jincor/jincor-client.js";

/** How a case reaches the server: REST in the product's dialect, or one of the RPC transports. */
export type Via = "rest" | RpcTransport;

/** An answer reduced to what a case compares: accepted or not, and the whole answer for equality. */
export interface Answer {
  ok: boolean;
  /** 429 over REST, ResourceExhausted over RPC. */
  limited: boolean;
  /** Status and body (REST) or code and reason (RPC): equal answers compare equal. */
  shape: unknown;
  /** The names of the fields of an accepted answer's body or message (its values hold ids and times). */
  fields: string[];
}

/** The environment the uses need. */
export const abuseEnv = { VERIFY_JWT_SECRET: verifyJwtSecret, HANKO_PASSWORDS_ENABLED: "true" };

/** One product operation that answers a one-time secret. */
export interface ChallengeUse {
  name: string;
  /** Wrong answers that burn the challenge. */
  maxWrong: number;
  /** Issues a challenge to a fresh account: the delivered secret, a way to answer, a way to expire it, and the id of its row. */
  start(server: TestServer, via: Via): Promise<{ secret: string; answer(secret: string): Promise<Answer>; expire(): Promise<void>; id: string }>;
  /** Where the caller names an account to ask for or answer this challenge. */
  naming?: AccountNaming;
}

/**
 * Where the caller names an account (an id, a contact): the same steps (asking for a code,
 * answering a wrong one) for an account that exists and for one nobody has.
 */
export interface AccountNaming {
  steps(server: TestServer, via: Via): Promise<{ known: Answer[]; unknown: Answer[] }>;
  /**
   * Set where the API documents another answer for an unknown account than for a known one:
   * why, and the answers' shapes it documents (asserted instead of equality).
   */
  documented?: { why: string; known(via: Via): unknown[]; unknown(via: Via): unknown[] };
}

/** One product operation guarded by an attempt limit (wrong passwords). */
export interface AttemptUse {
  name: string;
  /** Wrong attempts the limit lets through in its window. */
  max: number;
  windowSeconds: number;
  /** A fresh account: its answer to a password, and that of an account nobody has. */
  start(server: TestServer, via: Via): Promise<{ tryPassword(password: string): Promise<Answer>; tryUnknown(password: string): Promise<Answer>; password: string }>;
}

/** One product operation that sends a message, limited per recipient. */
export interface SendUse {
  name: string;
  max: number;
  /** A fresh recipient: a way to ask for one more message, and where they go. */
  start(server: TestServer, via: Via): Promise<{ send(): Promise<Answer>; recipient: string }>;
}

/**
 * One cap on wrong answers per account across challenges (starting over buys no guesses): each
 * challenge burns after its own tries, the cap holds over the challenges' sum.
 */
export interface CapUse {
  name: string;
  /** Wrong answers the cap lets through in its window, across challenges. */
  max: number;
  windowSeconds: number;
  /**
   * A fresh account: one more wrong answer (asking for a new challenge when the current one is
   * burned, and moving the clock past the sending limit when asking hits it), and a new
   * challenge answered right (the first refusal on the way, or the answer).
   */
  start(server: TestServer, via: Via, advance: (ms: number) => void): Promise<{ wrong(): Promise<Answer>; right(): Promise<Answer> }>;
}

const email = () => `abuse-${randomUUID()}@example.com`;
const phone = () => `+4917${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`;

async function call(server: TestServer, via: RpcTransport, service: DescService, definition: grpc.ServiceDefinition, method: string, input: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer & { output: Record<string, unknown> }> {
  const result = await callRpc(via, server.url, service, definition, method, input, headers);
  if (result.ok) return { ok: true, limited: false, shape: { ok: true }, fields: Object.keys(result.output).sort(), output: result.output };
  return { ok: false, limited: result.code === 8, shape: { code: result.code, reason: result.reason }, fields: [], output: {} };
}

async function restCall(server: TestServer, method: string, path: string, options: Parameters<typeof rest>[3] = {}): Promise<Answer & { json: Record<string, unknown> }> {
  const response = await rest(server.url, method, path, options);
  const json = (response.json ?? {}) as Record<string, unknown>;
  const ok = response.status >= 200 && response.status < 300;
  return { ok, limited: response.status === 429, shape: ok ? { status: response.status } : { status: response.status, body: response.json }, fields: ok ? Object.keys(json).sort() : [], json };
}

/** The bodies the server logged for `recipient` (no SMTP or webhook target configured), oldest first. */
function logged(server: TestServer, recipient: string): string[] {
  return server.logs.map((line) => JSON.parse(line) as { to?: string; body?: string }).filter((entry) => entry.to === recipient).map((entry) => entry.body ?? "");
}

/** Runs `send` and answers the code (6 digits, or `pattern`) of the message it had logged for `recipient`. */
export async function codeSent<T>(server: TestServer, recipient: string, send: () => Promise<T>, pattern = /(\d{6})/): Promise<{ result: T; code: string }> {
  const before = logged(server, recipient).length;
  const result = await send();
  await expect.poll(() => logged(server, recipient).length, { timeout: 5_000 }).toBeGreaterThan(before);
  const code = pattern.exec(logged(server, recipient)[before]!)?.[1];
  expect(code, `a code for ${recipient}`).toBeDefined();
  return { result, code: code! };
}

/** Messages queued for `recipient`. */
export async function queued(server: TestServer, recipient: string): Promise<number> {
  return (await server.app.database.db.selectFrom("outbox").select("id").where("recipient", "=", recipient).execute()).length;
}

const expireChallenge = (server: TestServer, id: string) => async () => {
  const dayAgo = new Date(Date.now() - 24 * 3600_000);
  await server.app.database.db.updateTable("challenges").set({ created_at: dayAgo, expires_at: dayAgo }).where("id", "=", id).execute();
};

const hankoInitialize = (server: TestServer, via: Via, userId: string) =>
  via === "rest"
    ? restCall(server, "POST", "/passcode/login/initialize", { body: { user_id: userId } })
    : call(server, via, VerifyService, VerifyServiceService, "InitializePasscodeLogin", { userId }).then((answer) => ({ ...answer, json: answer.output }));

async function hankoUser(server: TestServer): Promise<{ userId: string; email: string }> {
  const address = email();
  const created = await rest(server.url, "POST", "/users", { body: { email: address } });
  expect(created.status).toBe(200);
  return { userId: (created.json as { user_id: string }).user_id, email: address };
}

const hankoPasscode: ChallengeUse = {
  name: "Hanko passcode",
  maxWrong: 3,
  async start(server, via) {
    const user = await hankoUser(server);
    const { result: id, code } = await codeSent(server, user.email, async () => String((await hankoInitialize(server, via, user.userId)).json.id));
    return {
      id,
      secret: code,
      answer: (code) => (via === "rest" ? restCall(server, "POST", "/passcode/login/finalize", { body: { id, code } }) : call(server, via, VerifyService, VerifyServiceService, "FinalizePasscodeLogin", { id, code })),
      expire: expireChallenge(server, id),
    };
  },
  naming: {
    async steps(server, via) {
      const user = await hankoUser(server);
      return { known: [await hankoInitialize(server, via, user.userId)], unknown: [await hankoInitialize(server, via, randomUUID())] };
    },
    documented: {
      why: "Hanko names the user by its id, a random UUID the caller got from Hanko, not a contact: seed 004 answers 400 for a user it does not know, and the passcode goes to the user's own address only",
      known: (via) => [via === "rest" ? { status: 200 } : { ok: true }],
      unknown: (via) => [via === "rest" ? { status: 400, body: { code: 400, message: "user or email not found" } } : { code: 3, reason: "UNKNOWN_USER" }],
    },
  },
};

const jincorCode = (method: "email" | "phone"): ChallengeUse => ({
  name: `Jincor ${method} code`,
  maxWrong: 5,
  async start(server, via) {
    const consumer = method === "email" ? email() : phone();
    const headers = bearer(await serviceToken(verifyJwtSecret, "1h"));
    const body = { consumer, template: { body: "Code: {{{CODE}}}" }, generateCode: { length: 6, symbolSet: ["DIGITS"] }, policy: { expiredOn: "00:05:00" } };
    const initiate = async () =>
      via === "rest"
        ? String((await restCall(server, "POST", `/methods/${method}/actions/initiate`, { body, headers })).json.verificationId)
        : String((await call(server, via, VerifyService, VerifyServiceService, "InitiateVerification", { method, ...body }, headers)).output.verificationId);
    const { result: id, code } = await codeSent(server, consumer, initiate, /Code: (\d{6})/);
    return { id, secret: code, answer: (code) => jincorValidate(server, via, method, id, code, headers), expire: expireChallenge(server, id) };
  },
  naming: {
    async steps(server, via) {
      const { id, secret } = await jincorCode(method).start(server, via);
      const headers = bearer(await serviceToken(verifyJwtSecret, "1h"));
      const wrong = String((Number(secret) + 1) % 1_000_000).padStart(6, "0");
      return { known: [await jincorValidate(server, via, method, id, wrong, headers)], unknown: [await jincorValidate(server, via, method, randomUUID(), wrong, headers)] };
    },
    documented: {
      why: "Jincor names a verification by the id it answered the calling service (a random UUID, behind the service token), not an account: seed 001 answers 404 `Not found` for an unknown id and 422 `Invalid code` with the verification's data for a wrong code",
      known: (via) => [via === "rest" ? { status: 422, body: expect.objectContaining({ status: 422, error: "Invalid code" }) } : { code: 3, reason: "INVALID_CODE" }],
      unknown: (via) => [via === "rest" ? { status: 404, body: { status: 404, error: "Not found" } } : { code: 5, reason: "VERIFICATION_NOT_FOUND" }],
    },
  },
});

const jincorValidate = (server: TestServer, via: Via, method: string, id: string, code: string, headers: Record<string, string>) =>
  via === "rest"
    ? restCall(server, "POST", `/methods/${method}/verifiers/${id}/actions/validate`, { body: { code }, headers })
    : call(server, via, VerifyService, VerifyServiceService, "ValidateVerification", { method, verificationId: id, code }, headers);

/** A registered Authentiq key whose identity names a new email address and phone number, as a revocation needs. */
async function authentiqKeyWithContacts(server: TestServer): Promise<{ address: string; number: string }> {
  const id = newIdentity();
  await register(server.url, id);
  const address = email();
  const number = phone();
  expect((await sendJwt(server.url, "PUT", `/key/${id.pk}`, await selfSigned(id, { email: address, phone: number }))).status).toBe(200);
  return { address, number };
}

const authentiqRevocation: ChallengeUse = {
  name: "Authentiq revocation code",
  maxWrong: 5,
  async start(server, via) {
    const { address, number } = await authentiqKeyWithContacts(server);
    const revoke = (code: string) => authentiqRevoke(server, via, address, number, code);
    const { result: asked, code } = await codeSent(server, address, () => revoke(""));
    expect(asked.ok).toBe(true);
    const rows = await server.app.database.db.selectFrom("challenges").select("id").where("purpose", "=", "authentiq:revocation").orderBy("created_at", "desc").limit(1).execute();
    return { id: rows[0]!.id, secret: code, answer: revoke, expire: expireChallenge(server, rows[0]!.id) };
  },
  naming: {
    // A pair bound to a live key, and one nobody holds: asked for a code, then answered a wrong one.
    async steps(server, via) {
      const steps = async (address: string, number: string) => [await authentiqRevoke(server, via, address, number, ""), await authentiqRevoke(server, via, address, number, "000000")];
      const { address, number } = await authentiqKeyWithContacts(server);
      return { known: await steps(address, number), unknown: await steps(email(), phone()) };
    },
  },
};

const authentiqRevoke = (server: TestServer, via: Via, address: string, number: string, code: string): Promise<Answer> =>
  via === "rest"
    ? restCall(server, "DELETE", `/key?${new URLSearchParams({ email: address, phone: number, ...(code === "" ? {} : { code }) })}`)
    : call(server, via, IdentityService, IdentityServiceService, "RevokeKeyByContact", { email: address, phone: number, code });

function authenticator(server: TestServer, via: Via, method: string, path: string, body: Record<string, unknown>, held?: { token: string; clientId: string }) {
  const headers: Record<string, string> = held === undefined ? {} : { authorization: `Bearer ${held.token}`, cookie: `CLIENTID=${held.clientId}` };
  if (via === "rest") {
    return restCall(server, "POST", `/api/v1${path}`, { body, headers }).then((answer) => ({ ...answer, output: answer.json }));
  }
  return call(server, via, AuthenticatorService, AuthenticatorServiceService, method, body, headers);
}

const heldOf = (answer: { output: Record<string, unknown> }) => ({ token: String(answer.output.token), clientId: String(answer.output.clientID) });
const jtiOf = (token: string) => String(JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).jti);
const expireCode = (server: TestServer, token: string) => expireChallenge(server, jtiOf(token));

/** A verified Authenticator account with a password. */
async function authenticatorAccount(server: TestServer, via: Via): Promise<{ email: string; password: string }> {
  const address = email();
  const password = "abuse password 1";
  const { result: started, code } = await codeSent(server, address, () => authenticator(server, via, "SignUp", "/signup", { email: address, password }));
  expect((await authenticator(server, via, "VerifySignUp", "/signup/verify", { code }, heldOf(started))).ok).toBe(true);
  return { email: address, password };
}

const authenticatorSignupCode: ChallengeUse = {
  name: "Authenticator sign-up code",
  maxWrong: 5,
  async start(server, via) {
    const address = email();
    const { result: started, code } = await codeSent(server, address, () => authenticator(server, via, "SignUp", "/signup", { email: address, password: "abuse password 1" }));
    expect(started.ok).toBe(true);
    const held = heldOf(started);
    return {
      id: jtiOf(held.token),
      secret: code,
      answer: (code) => authenticator(server, via, "VerifySignUp", "/signup/verify", { code }, held),
      expire: expireCode(server, held.token),
    };
  },
  naming: {
    // A contact that has an account already, and a fresh one: signed up, then a wrong code.
    async steps(server, via) {
      const steps = async (address: string) => {
        const started = await authenticator(server, via, "SignUp", "/signup", { email: address, password: "abuse password 1" });
        return [started, await authenticator(server, via, "VerifySignUp", "/signup/verify", { code: "000000" }, heldOf(started))];
      };
      const account = await authenticatorAccount(server, via);
      return { known: await steps(account.email), unknown: await steps(email()) };
    },
  },
};

const authenticatorLoginCode: ChallengeUse = {
  name: "Authenticator login code",
  maxWrong: 5,
  async start(server, via) {
    const account = await authenticatorAccount(server, via);
    const { result: loggedIn, code } = await codeSent(server, account.email, () => authenticator(server, via, "LogIn", "/login", account));
    const held = heldOf(loggedIn);
    return {
      id: jtiOf(held.token),
      secret: code,
      answer: (code) => authenticator(server, via, "VerifyLoginCode", "/login/verify-code", { code }, held),
      expire: expireCode(server, held.token),
    };
  },
};

/** Every use of one-time secret challenges. */
export const challengeUses: ChallengeUse[] = [hankoPasscode, jincorCode("email"), jincorCode("phone"), authentiqRevocation, authenticatorSignupCode, authenticatorLoginCode];

const hankoPassword: AttemptUse = {
  name: "Hanko password login",
  max: 10,
  windowSeconds: 15 * 60,
  async start(server, via) {
    const user = await hankoUser(server);
    const password = "abuse password 1";
    // Setting a password needs the user's session: a passcode login gives one.
    const { result: passcode, code } = await codeSent(server, user.email, () => rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: user.userId } }));
    const final = await rest(server.url, "POST", "/passcode/login/finalize", { body: { id: (passcode.json as { id: string }).id, code } });
    const set = await rest(server.url, "PUT", "/password", { body: { user_id: user.userId, password }, headers: { authorization: `Bearer ${String(final.headers["x-auth-token"])}` } });
    expect(set.status).toBeLessThan(300);
    const login = (userId: string) => (candidate: string) =>
      via === "rest"
        ? restCall(server, "POST", "/password/login", { body: { user_id: userId, password: candidate } })
        : call(server, via, SessionService, SessionServiceService, "LoginWithPassword", { userId, password: candidate });
    return { password, tryPassword: login(user.userId), tryUnknown: login(randomUUID()) };
  },
};

const authenticatorPassword: AttemptUse = {
  name: "Authenticator password login",
  max: 10,
  windowSeconds: 15 * 60,
  async start(server, via) {
    const account = await authenticatorAccount(server, via);
    const unknown = email();
    return {
      password: account.password,
      tryPassword: (password) => authenticator(server, via, "LogIn", "/login", { email: account.email, password }),
      tryUnknown: (password) => authenticator(server, via, "LogIn", "/login", { email: unknown, password }),
    };
  },
};

/** Every use of attempt limits on a password. */
export const attemptUses: AttemptUse[] = [hankoPassword, authenticatorPassword];

/** Every use of send limits. */
export const sendUses: SendUse[] = [
  {
    name: "Hanko passcode initialize",
    max: 5,
    async start(server, via) {
      const user = await hankoUser(server);
      const send = () =>
        via === "rest" ? restCall(server, "POST", "/passcode/login/initialize", { body: { user_id: user.userId } }) : call(server, via, VerifyService, VerifyServiceService, "InitializePasscodeLogin", { userId: user.userId });
      return { send, recipient: user.email };
    },
  },
  {
    name: "Authenticator sign-up",
    max: 5,
    async start(server, via) {
      const address = email();
      return { send: () => authenticator(server, via, "SignUp", "/signup", { email: address }), recipient: address };
    },
  },
  {
    name: "Authentiq revocation request",
    max: 5,
    async start(server, via) {
      const { address, number } = await authentiqKeyWithContacts(server);
      const send = () =>
        via === "rest"
          ? restCall(server, "DELETE", `/key?${new URLSearchParams({ email: address, phone: number })}`)
          : call(server, via, IdentityService, IdentityServiceService, "RevokeKeyByContact", { email: address, phone: number, code: "" });
      return { send, recipient: address };
    },
  },
];

/** Authentiq scope requests: each sends the address a confirmation message. */
sendUses.push({
  name: "Authentiq scope request",
  max: 5,
  async start(server, via) {
    const id = newIdentity();
    await register(server.url, id);
    const address = email();
    const jwt = await selfSigned(id, { scope: "email", email: address });
    const send = () => (via === "rest" ? sendJwt(server.url, "POST", "/scope", jwt).then(answerOf) : call(server, via, ScopeService, ScopeServiceService, "CreateScopeJob", { jwt }));
    return { send, recipient: address };
  },
});

function answerOf(response: Awaited<ReturnType<typeof rest>>): Answer {
  const ok = response.status >= 200 && response.status < 300;
  const json = (response.json ?? {}) as Record<string, unknown>;
  return { ok, limited: response.status === 429, shape: ok ? { status: response.status } : { status: response.status, body: response.json }, fields: ok ? Object.keys(json).sort() : [] };
}

/**
 * Wrong answers over challenges of one account: `ask` opens a challenge (and answers its secret),
 * `answer` answers it; `perChallenge` wrong answers burn one, `asksPerWindow` asks pass the
 * sending limit in `sendWindowMs`.
 */
function acrossChallenges<C>(ask: () => Promise<{ asked: Answer; secret: string; challenge: C }>, answer: (challenge: C, secret: string) => Promise<Answer>, perChallenge: number, asksPerWindow: number, sendWindowMs: number, advance: (ms: number) => void) {
  let current: { challenge: C; secret: string } | undefined;
  let tries = 0;
  let asks = 0;
  const open = async () => {
    if (asks > 0 && asks % asksPerWindow === 0) advance(sendWindowMs + 1000);
    asks++;
    const { asked, secret, challenge } = await ask();
    return asked.ok ? { challenge, secret } : asked;
  };
  return {
    async wrong(): Promise<Answer> {
      if (current === undefined || tries === perChallenge) {
        const opened = await open();
        if ("ok" in opened) return opened;
        current = opened;
        tries = 0;
      }
      tries++;
      return answer(current.challenge, String((Number(current.secret) + 1) % 1_000_000).padStart(6, "0"));
    },
    async right(): Promise<Answer> {
      const opened = await open();
      current = undefined;
      return "ok" in opened ? opened : answer(opened.challenge, opened.secret);
    },
  };
}

/** Every cap on wrong answers across challenges. */
export const capUses: CapUse[] = [
  {
    name: "Hanko passcode guesses per user (daily)",
    max: 20,
    windowSeconds: 24 * 3600,
    async start(server, via, advance) {
      const user = await hankoUser(server);
      const ask = async () => {
        const { result: asked, code } = await sent(server, user.email, () => hankoInitialize(server, via, user.userId));
        return { asked, secret: code, challenge: String(asked.json.id) };
      };
      const finalize = (id: string, code: string) => (via === "rest" ? restCall(server, "POST", "/passcode/login/finalize", { body: { id, code } }) : call(server, via, VerifyService, VerifyServiceService, "FinalizePasscodeLogin", { id, code }));
      return acrossChallenges(ask, finalize, 3, 5, 60_000, advance);
    },
  },
  {
    name: "Authentiq revocation guesses per contact pair (daily)",
    max: 20,
    windowSeconds: 24 * 3600,
    async start(server, via, advance) {
      const id = newIdentity();
      await register(server.url, id);
      const address = email();
      const number = phone();
      expect((await sendJwt(server.url, "PUT", `/key/${id.pk}`, await selfSigned(id, { email: address, phone: number }))).status).toBe(200);
      const ask = async () => {
        const { result: asked, code } = await sent(server, address, () => authentiqRevoke(server, via, address, number, ""));
        return { asked, secret: code, challenge: undefined };
      };
      return acrossChallenges(ask, (_, code) => authentiqRevoke(server, via, address, number, code), 5, 5, 600_000, advance);
    },
  },
  {
    name: "Authenticator second factor per user",
    max: 10,
    windowSeconds: 15 * 60,
    async start(server, via, advance) {
      const account = await authenticatorAccount(server, via);
      const ask = async () => {
        const { result: asked, code } = await sent(server, account.email, () => authenticator(server, via, "LogIn", "/login", account));
        return { asked, secret: code, challenge: asked.ok ? heldOf(asked) : undefined };
      };
      return acrossChallenges(ask, (held, code) => authenticator(server, via, "VerifyLoginCode", "/login/verify-code", { code }, held), 5, 1000, 0, advance);
    },
  },
  {
    name: "Authenticator sign-up codes per contact",
    max: 10,
    windowSeconds: 15 * 60,
    async start(server, via, advance) {
      const address = email();
      const ask = async () => {
        const { result: asked, code } = await sent(server, address, () => authenticator(server, via, "SignUp", "/signup", { email: address, password: "abuse password 1" }));
        return { asked, secret: code, challenge: asked.ok ? heldOf(asked) : undefined };
      };
      return acrossChallenges(ask, (held, code) => authenticator(server, via, "VerifySignUp", "/signup/verify", { code }, held), 5, 5, 60_000, advance);
    },
  },
];

/** `codeSent` where the step may be refused: then no message, and no code. */
async function sent<T extends Answer>(server: TestServer, recipient: string, send: () => Promise<T>): Promise<{ result: T; code: string }> {
  const before = logged(server, recipient).length;
  const result = await send();
  if (!result.ok) return { result, code: "" };
  await expect.poll(() => logged(server, recipient).length, { timeout: 5_000 }).toBeGreaterThan(before);
  return { result, code: /(\d{6})/.exec(logged(server, recipient)[before]!)?.[1] ?? "" };
}

/** One product operation that answers a TOTP code (RFC 6238, 30 s steps). */
export interface TotpUse {
  name: string;
  /** Wrong codes that burn the step's challenge. */
  maxWrong: number;
  /**
   * A fresh account: the code at the server's time `now`, a way to answer it, and `again`: a new
   * attempt of the same account (a new challenge) that answers in the same step.
   */
  start(server: TestServer, via: Via, now: () => Date): Promise<{ code(): string; answer(code: string): Promise<Answer>; again(): Promise<(code: string) => Promise<Answer>> }>;
}

const codeAt = (secret: string, now: () => Date) => () => otp.clone({ epoch: now().getTime() }).generate(secret);

const jincorGoogleAuth: TotpUse = {
  name: "Jincor google_auth validate",
  maxWrong: 5,
  async start(server, via, now) {
    const consumer = email();
    const headers = bearer(await serviceToken(verifyJwtSecret, "1h"));
    const body = { consumer, issuer: "Jincor", policy: { expiredOn: "00:05:00" } };
    const initiate = async () => {
      const answer = via === "rest" ? await restCall(server, "POST", "/methods/google_auth/actions/initiate", { body, headers }).then((a) => ({ ...a, output: a.json })) : await call(server, via, VerifyService, VerifyServiceService, "InitiateVerification", { method: "google_auth", ...body }, headers);
      expect(answer.ok).toBe(true);
      return { id: String(answer.output.verificationId), uri: String(answer.output.totpUri ?? "") };
    };
    const first = await initiate();
    const secret = new URL(first.uri).searchParams.get("secret")!;
    return {
      code: codeAt(secret, now),
      answer: (code) => jincorValidate(server, via, "google_auth", first.id, code, headers),
      async again() {
        const next = await initiate();
        return (code) => jincorValidate(server, via, "google_auth", next.id, code, headers);
      },
    };
  },
};

/** A verified Authenticator account, its authorized token and user id. */
async function authenticatorHeld(server: TestServer, via: Via) {
  const address = email();
  const password = "abuse password 1";
  const { result: started, code } = await codeSent(server, address, () => authenticator(server, via, "SignUp", "/signup", { email: address, password }));
  const verified = await authenticator(server, via, "VerifySignUp", "/signup/verify", { code }, heldOf(started));
  expect(verified.ok).toBe(true);
  const held = heldOf(verified);
  const userId = String(JSON.parse(Buffer.from(held.token.split(".")[1]!, "base64url").toString()).user_id);
  return { email: address, password, held, userId };
}

/** PATCH /api/v1/user/:id or UpdateUser, with the TOTP fields. */
function updateTotp(server: TestServer, via: Via, account: { held: { token: string; clientId: string }; userId: string }, totpCode?: string) {
  const headers = { authorization: `Bearer ${account.held.token}`, cookie: `CLIENTID=${account.held.clientId}` };
  if (via === "rest") return restCall(server, "PATCH", `/api/v1/user/${account.userId}`, { body: { is_totp_allowed: true, ...(totpCode === undefined ? {} : { totp_code: totpCode }) }, headers }).then((answer) => ({ ...answer, output: answer.json }));
  return call(server, via, AuthenticatorService, AuthenticatorServiceService, "UpdateUser", { userId: account.userId, isTotpAllowed: true, ...(totpCode === undefined ? {} : { totpCode }) }, headers);
}

const authenticatorTotpLogin: TotpUse = {
  name: "Authenticator TOTP login second factor",
  maxWrong: 5,
  async start(server, via, now) {
    const account = await authenticatorHeld(server, via);
    const secret = String((await updateTotp(server, via, account)).output.totp_secret);
    expect((await updateTotp(server, via, account, codeAt(secret, now)())).ok).toBe(true);
    const logIn = async () => {
      const held = heldOf(await authenticator(server, via, "LogIn", "/login", account));
      return (code: string) => authenticator(server, via, "VerifyLoginCode", "/login/verify-code", { code }, held);
    };
    // The enrolment spent the current step: the login answers the next one (in the drift window).
    return { code: codeAt(secret, () => new Date(now().getTime() + 30_000)), answer: await logIn(), again: logIn };
  },
};

/** Every use of TOTP codes. */
export const totpUses: TotpUse[] = [jincorGoogleAuth, authenticatorTotpLogin];
