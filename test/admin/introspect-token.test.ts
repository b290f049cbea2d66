import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOneTimeTokens } from "../../src/core/session/one-time-token.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createOneTimeTokenStore } from "../../src/store/session/one-time-token.store.js";
import { claimsOf } from "../authenticator/authenticator-client.js";
import { freshEmail, newIdentity, register, selfSigned, sendJwt, type Identity } from "../authentiq/authentiq-client.js";
import { rest } from "../harness/rest.js";
import { closeGrpcClients } from "../harness/rpc.js";
import { adminCall, adminOk, adminTransports, type AdminTransport } from "./admin-client.js";
import { api, auth, authenticatorAccount, hankoUser, startAdminWorld, type AdminWorld } from "./admin-fixtures.js";

/** The server's clock: the machine's, moved on by `offsetMs` (to make tokens expire without waiting). */
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

const jincorSecret = "jincor-service-secret-0123456789";
let world: AdminWorld;
beforeAll(async () => {
  world = await startAdminWorld({ VERIFY_JWT_SECRET: jincorSecret }, { clock });
});
afterAll(async () => {
  closeGrpcClients();
  await world?.close();
});

/** What every token that is not live answers: `active: false` and nothing else. */
const inactive = { active: false, subject: "", product: "", tokenType: "", state: "" };

const introspect = (transport: AdminTransport, token: string) => adminOk(transport, world.server, "introspectToken", { token });

/** A Hanko session token. */
async function hankoSession() {
  const user = await hankoUser(world);
  return { token: user.token, subject: user.userId, revoke: async () => expect((await rest(world.server.url, "POST", "/logout", { headers: user.bearer })).status).toBeLessThan(300) };
}

/** An Authenticator API `authorized` token. */
async function authenticatorToken() {
  const account = await authenticatorAccount(world);
  const revoke = async () => expect((await api(world.server, "POST", `/token/${String(claimsOf(account.token).jti)}`, { headers: auth(account) })).status).toBeLessThan(300);
  return { token: account.token, subject: account.userId, revoke };
}

/** A registered Authentiq key and the way to revoke it. */
async function authentiqKey(): Promise<{ id: Identity; revoke: () => Promise<void> }> {
  const id = newIdentity();
  const secret = await register(world.server.url, id);
  return { id, revoke: async () => expect((await rest(world.server.url, "DELETE", `/key/${id.pk}?secret=${secret}`)).status).toBeLessThan(300) };
}

/** Claims the Authentiq issuer signed for a new key's email scope job. */
async function authentiqClaims() {
  const key = await authentiqKey();
  const created = await sendJwt(world.server.url, "POST", "/scope", await selfSigned(key.id, { scope: "email", email: freshEmail() }));
  expect(created.status, created.text).toBe(201);
  const job = (created.json as { job: string }).job;
  expect((await rest(world.server.url, "POST", `/scope/${job}`)).status).toBe(202);
  const signed = await rest(world.server.url, "PUT", `/scope/${job}`);
  expect(signed.status, signed.text).toBe(200);
  return { token: (signed.json as { jwt: string }).jwt, subject: key.id.pk, revoke: key.revoke };
}

/** A Hanko one-time login token (what third-party and SAML logins hand out), issued as they issue it. */
async function oneTimeToken() {
  const user = await hankoUser(world);
  const tokens = createOneTimeTokens({ store: createOneTimeTokenStore(world.server.app.database.db, defaultTenantId), secrets: world.server.app.secrets, clock });
  const token = await tokens.issue(user.userId, 300);
  return { token, subject: user.userId, revoke: async () => expect((await rest(world.server.url, "POST", "/token", { body: { value: token } })).status).toBe(200) };
}

const kinds = [
  { name: "a Hanko session", make: hankoSession, product: "hanko", tokenType: "hanko_session", state: "" },
  { name: "an Authenticator API token", make: authenticatorToken, product: "authenticator", tokenType: "authenticator_token", state: "authorized" },
  { name: "Authentiq signed claims", make: authentiqClaims, product: "authentiq", tokenType: "authentiq_claims", state: "signed" },
  { name: "a Hanko one-time token", make: oneTimeToken, product: "hanko", tokenType: "hanko_one_time_token", state: "" },
];

describe.each(adminTransports)("IntrospectToken over %s", (transport) => {
  it.each(kinds)("answers $name active with its subject, product, type, state and expiry, and inactive once revoked or used", async ({ make, product, tokenType, state }) => {
    const made = await make();
    const live = await introspect(transport, made.token);
    expect(live).toEqual({ active: true, subject: made.subject, product, tokenType, state, expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(new Date(String(live.expiresAt)).getTime()).toBeGreaterThan(clock.now().getTime());
    await made.revoke();
    expect(await introspect(transport, made.token)).toEqual(inactive);
  });

  it("answers an Authentiq key active by its id, and inactive once revoked", async () => {
    const key = await authentiqKey();
    expect(await introspect(transport, key.id.pk)).toEqual({ active: true, subject: key.id.pk, product: "authentiq", tokenType: "authentiq_key", state: "active" });
    await key.revoke();
    expect(await introspect(transport, key.id.pk)).toEqual(inactive);
  });

  it("answers a locked user's session inactive with state locked", async () => {
    const session = await hankoSession();
    await adminOk(transport, world.server, "lockUser", { userId: session.subject });
    expect(await introspect(transport, session.token)).toMatchObject({ active: false, state: "locked", subject: session.subject });
    await adminOk(transport, world.server, "unlockUser", { userId: session.subject });
    expect(await introspect(transport, session.token)).toMatchObject({ active: true });
  });

  // A forged or foreign token must never pass for one of ours, whatever its claims say.
  it("answers garbage, forged, foreign and Jincor service tokens inactive, never an error", async () => {
    const session = await hankoSession();
    const [header, payload] = session.token.split(".");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = await new SignJWT(claimsOf(session.token)).setProtectedHeader({ alg: "RS256", kid: JSON.parse(Buffer.from(header!, "base64url").toString()).kid }).sign(privateKey);
    const jincor = await new SignJWT({ sub: "service" }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime("1h").sign(Buffer.from(jincorSecret));
    const clientSigned = await selfSigned(newIdentity(), { scope: "email" });
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`;
    for (const token of ["garbage", "a.b.c", forged, jincor, clientSigned, unsigned, `${session.token}x`, newIdentity().pk, "x".repeat(9000)]) {
      expect(await introspect(transport, token), token.slice(0, 40)).toEqual(inactive);
    }
  });

  it("refuses an empty token with invalid_argument", async () => {
    expect(await adminCall(transport, world.server, "introspectToken", { token: "" })).toMatchObject({ ok: false, error: "invalid_argument" });
  });
});

describe("IntrospectToken and time", () => {
  it("answers every kind of token inactive once it has expired", async () => {
    const made = await Promise.all(kinds.map((kind) => kind.make()));
    for (const one of made) expect(await introspect("grpc", one.token)).toMatchObject({ active: true });
    // Past the longest lifetime: Authentiq's signed claims, 90 days.
    offsetMs = 91 * 24 * 3600 * 1000;
    try {
      for (const transport of adminTransports) for (const one of made) expect(await introspect(transport, one.token)).toEqual(inactive);
    } finally {
      offsetMs = 0;
    }
  });
});
