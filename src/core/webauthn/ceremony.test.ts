import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SoftwareAuthenticator, type SoftwareCredential } from "../../../test/harness/software-authenticator.js";
import { DomainError } from "../errors/domain-error.js";
import type { Clock } from "../clock.js";
import { createWebauthnCeremony, type WebauthnCeremony } from "./ceremony.js";
import type { ChallengeStore, IssuedChallenge, NewChallenge } from "./challenge.port.js";
import type { WebauthnCredential } from "./credential.js";
import type { CredentialStore } from "./credential.port.js";
import { knownTransports } from "./transports.js";
import type { WebauthnPolicy } from "./webauthn-policy.js";

const origin = "https://auth.example.com";
const rp = { id: "auth.example.com", name: "Tessera", origins: [origin] };
const authenticator = new SoftwareAuthenticator(origin, rp.id);
const tenantId = "00000000-0000-4000-8000-0000000000aa";

/** A clock the test moves. */
function fakeClock(start = Date.parse("2026-12-01T00:00:00Z")): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

/** The challenge store port in memory: single use, expiry at the given time, bound to tenant, ceremony and purpose. */
function memoryChallenges(): ChallengeStore {
  const rows = new Map<string, NewChallenge & { used: boolean }>();
  return {
    async insert(challenge) {
      rows.set(challenge.challenge, { ...challenge, used: false });
    },
    async consume(tenant, ceremony, purpose, challenge, now) {
      const row = rows.get(challenge);
      if (row === undefined || row.used || row.tenantId !== tenant || row.ceremony !== ceremony || row.purpose !== purpose) return { refused: "unknown" };
      // Used up expired or not, as the port says and the SQL store does.
      row.used = true;
      if (row.expiresAt <= now) return { refused: "expired" };
      const issued: IssuedChallenge = { userId: row.userId, userVerification: row.userVerification, pendingUser: row.pendingUser ?? null };
      return { issued };
    },
  };
}

/** The credential store port in memory: credential ids unique per tenant, reads and changes scoped by product. */
function memoryCredentials(): CredentialStore & { all: WebauthnCredential[] } {
  const all: WebauthnCredential[] = [];
  const mine = (tenant: string, userId: string, products: readonly string[]) => (held: WebauthnCredential) => held.tenantId === tenant && held.userId === userId && products.includes(held.product);
  return {
    all,
    list: async (tenant, userId, products) => all.filter(mine(tenant, userId, products)),
    find: async (tenant, credentialId, products) => all.find((held) => held.tenantId === tenant && held.credentialId === credentialId && products.includes(held.product)),
    async insert(tenant, credential, limit) {
      if (all.some((held) => held.tenantId === tenant && held.credentialId === credential.credentialId)) return { refused: "exists" };
      if (all.filter(mine(tenant, credential.userId, limit.products)).length >= limit.max) return { refused: "limit" };
      const at = new Date(0);
      const stored: WebauthnCredential = { ...credential, id: randomUUID(), tenantId: tenant, transports: knownTransports(credential.transports), name: null, createdAt: at, lastUsedAt: null, updatedAt: at };
      all.push(stored);
      return { stored };
    },
    async rename(tenant, userId, credentialId, name, products) {
      const credential = all.find((held) => mine(tenant, userId, products)(held) && held.credentialId === credentialId);
      if (credential !== undefined) credential.name = name;
      return credential;
    },
    async remove(tenant, userId, credentialId, products) {
      const index = all.findIndex((held) => mine(tenant, userId, products)(held) && held.credentialId === credentialId);
      if (index >= 0) all.splice(index, 1);
      return index >= 0;
    },
    async recordSignCount(id, previous, next, now) {
      const credential = all.find((held) => held.id === id);
      if (credential === undefined || credential.signCount !== previous) return false;
      Object.assign(credential, { signCount: next, lastUsedAt: now, updatedAt: now });
      return true;
    },
  };
}

/** A policy whose refusals carry the failure kind in their details. */
function policy(product = "test", maxCredentialsPerUser = 3): WebauthnPolicy {
  return {
    product,
    timeoutMs: 60_000,
    maxCredentialsPerUser,
    credentials: { lists: [product], logsInWith: [product], manages: [product] },
    registration: { attestation: "none", authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" } },
    loginUserVerification: "preferred",
    refuse: (failure) => new DomainError("INVALID_FIELD", "invalid", `${failure.ceremony}: ${failure.kind}`, { details: { kind: failure.kind } }),
  };
}

function setUp(product = "test") {
  const clock = fakeClock();
  const challenges = memoryChallenges();
  const credentials = memoryCredentials();
  const ceremony = createWebauthnCeremony({ policy: policy(product), rp, challenges, credentials, clock });
  return { clock, challenges, credentials, ceremony };
}

const user = () => {
  const id = randomUUID();
  return { id, name: `${id}@example.com`, displayName: id };
};

/** Registers a credential for a new user through `ceremony`. */
async function register(ceremony: WebauthnCeremony, owner: { id: string; name: string; displayName: string } = user()): Promise<{ userId: string; credential: SoftwareCredential }> {
  const options = await ceremony.registrationOptions({ tenantId, purpose: "registration", user: owner, existingUser: true });
  const { credential, response } = authenticator.create(options, "packed");
  const verified = await ceremony.verifyRegistration(tenantId, "registration", response as never, { expectedUserId: owner.id });
  await ceremony.store(tenantId, owner.id, verified.credential);
  return { userId: owner.id, credential };
}

const refusedWith = (kind: string) => expect.objectContaining({ details: { kind } });

describe("the WebAuthn ceremony", () => {
  it("registers a credential and logs in with it, recording the new sign count at the clock's time", async () => {
    const { ceremony, credentials, clock } = setUp();
    const { userId, credential } = await register(ceremony);
    const options = await ceremony.loginOptions({ tenantId, purpose: "login", userId });
    expect(options.allowCredentials?.map((descriptor) => descriptor.id)).toEqual([credential.id.toString("base64url")]);
    const used = await ceremony.verifyLogin(tenantId, "login", authenticator.get(credential, options.challenge) as never, { expectedUserId: userId });
    expect(used).toMatchObject({ userId, signCount: 1, lastUsedAt: clock.now() });
    expect(credentials.all[0]).toMatchObject({ signCount: 1 });
  });

  // Replay: a captured assertion or attestation is good for one try.
  it("refuses a challenge used once already", async () => {
    const { ceremony } = setUp();
    const { userId, credential } = await register(ceremony);
    const options = await ceremony.loginOptions({ tenantId, purpose: "login", userId: null });
    const assertion = authenticator.get(credential, options.challenge);
    await ceremony.verifyLogin(tenantId, "login", assertion as never);
    await expect(ceremony.verifyLogin(tenantId, "login", authenticator.get(credential, options.challenge) as never)).rejects.toEqual(refusedWith("challenge_unknown"));
    const creation = await ceremony.registrationOptions({ tenantId, purpose: "registration", user: { id: userId, name: "n", displayName: "n" }, existingUser: true });
    const { response } = authenticator.create(creation);
    await ceremony.verifyRegistration(tenantId, "registration", response as never);
    await expect(ceremony.verifyRegistration(tenantId, "registration", response as never)).rejects.toEqual(refusedWith("challenge_unknown"));
  });

  // A challenge left lying around (a log, a stalled tab) must not be answered after its ceremony's time.
  it("refuses a challenge once the policy's timeout has passed, without sleeping", async () => {
    const { ceremony, clock } = setUp();
    const { userId, credential } = await register(ceremony);
    const options = await ceremony.loginOptions({ tenantId, purpose: "login", userId });
    const creation = await ceremony.registrationOptions({ tenantId, purpose: "registration", user: { id: userId, name: "n", displayName: "n" }, existingUser: true });
    clock.advance(59_999);
    const early = await ceremony.loginOptions({ tenantId, purpose: "login", userId });
    clock.advance(1);
    await expect(ceremony.verifyLogin(tenantId, "login", authenticator.get(credential, options.challenge) as never)).rejects.toEqual(refusedWith("challenge_expired"));
    await expect(ceremony.verifyRegistration(tenantId, "registration", authenticator.create(creation).response as never)).rejects.toEqual(refusedWith("challenge_expired"));
    // One issued later still lives.
    await expect(ceremony.verifyLogin(tenantId, "login", authenticator.get(credential, early.challenge) as never)).resolves.toMatchObject({ userId });
    // The expired one was used up by its refusal: a second try finds no such challenge.
    await expect(ceremony.verifyLogin(tenantId, "login", authenticator.get(credential, options.challenge) as never)).rejects.toEqual(refusedWith("challenge_unknown"));
  });

  // Challenge substitution: a challenge issued elsewhere must not answer this step.
  it("refuses a challenge issued for another purpose, product, tenant or user", async () => {
    const { ceremony, challenges, credentials, clock } = setUp("one");
    const other = createWebauthnCeremony({ policy: policy("two"), rp, challenges, credentials, clock });
    const { userId, credential } = await register(ceremony);
    // The other product holds a credential of the same user, so it issues a challenge bound to them.
    await register(other, { id: userId, name: "n", displayName: "n" });
    const stranger = await register(ceremony);
    const refuse = async (challenge: string, expected: string, expectedUserId?: string) =>
      expect(ceremony.verifyLogin(tenantId, "login", authenticator.get(credential, challenge) as never, expectedUserId === undefined ? {} : { expectedUserId })).rejects.toEqual(refusedWith(expected));
    await refuse((await ceremony.loginOptions({ tenantId, purpose: "verification", userId })).challenge, "challenge_unknown");
    await refuse((await other.loginOptions({ tenantId, purpose: "login", userId })).challenge, "challenge_unknown");
    await refuse((await ceremony.loginOptions({ tenantId: randomUUID(), purpose: "login", userId: null })).challenge, "challenge_unknown");
    await refuse((await ceremony.loginOptions({ tenantId, purpose: "login", userId: null })).challenge, "user_mismatch", userId);
    await refuse((await ceremony.loginOptions({ tenantId, purpose: "login", userId: stranger.userId })).challenge, "user_mismatch", userId);
    const creation = await ceremony.registrationOptions({ tenantId, purpose: "registration", user: { id: stranger.userId, name: "n", displayName: "n" }, existingUser: true });
    await expect(ceremony.verifyRegistration(tenantId, "registration", authenticator.create(creation).response as never, { expectedUserId: userId })).rejects.toEqual(refusedWith("user_mismatch"));
  });

  // A cloned authenticator replays an old counter (WebAuthn level 3 §6.1.1).
  it("refuses a sign count that did not grow", async () => {
    const { ceremony } = setUp();
    const { userId, credential } = await register(ceremony);
    const login = async (counter: number) => ceremony.verifyLogin(tenantId, "login", authenticator.get(credential, (await ceremony.loginOptions({ tenantId, purpose: "login", userId })).challenge, { counter }) as never);
    await expect(login(5)).resolves.toMatchObject({ signCount: 5 });
    await expect(login(5)).rejects.toEqual(refusedWith("counter"));
    await expect(login(3)).rejects.toEqual(refusedWith("counter"));
    await expect(login(6)).resolves.toMatchObject({ signCount: 6 });
  });

  // Enumeration: another user's credential answers as one that does not exist.
  it("answers an unknown credential and another user's alike", async () => {
    const { ceremony } = setUp();
    const { userId } = await register(ceremony);
    const stranger = await register(ceremony);
    const unknown = authenticator.newCredential().credential;
    for (const credential of [unknown, stranger.credential]) {
      const options = await ceremony.loginOptions({ tenantId, purpose: "login", userId });
      await expect(ceremony.verifyLogin(tenantId, "login", authenticator.get(credential, options.challenge) as never)).rejects.toEqual(refusedWith("credential_unknown"));
    }
  });

  it("refuses a discoverable credential naming another user, and login options for a user without credentials", async () => {
    const { ceremony } = setUp();
    const { credential } = await register(ceremony);
    const options = await ceremony.loginOptions({ tenantId, purpose: "login", userId: null });
    const forged = { ...credential, userHandle: Buffer.from(randomUUID().replaceAll("-", ""), "hex") };
    await expect(ceremony.verifyLogin(tenantId, "login", authenticator.get(forged, options.challenge, { withUserHandle: true }) as never)).rejects.toEqual(refusedWith("user_handle"));
    await expect(ceremony.loginOptions({ tenantId, purpose: "login", userId: randomUUID() })).rejects.toEqual(refusedWith("no_credentials"));
  });

  it("keeps the policy's credential cap at options and when storing", async () => {
    const { ceremony } = setUp();
    const owner = user();
    const pending = await ceremony.registrationOptions({ tenantId, purpose: "registration", user: owner, existingUser: true });
    for (let i = 0; i < 3; i++) await register(ceremony, owner);
    await expect(ceremony.registrationOptions({ tenantId, purpose: "registration", user: owner, existingUser: true })).rejects.toEqual(refusedWith("credential_limit"));
    const verified = await ceremony.verifyRegistration(tenantId, "registration", authenticator.create(pending).response as never);
    await expect(ceremony.store(tenantId, owner.id, verified.credential)).rejects.toEqual(refusedWith("credential_limit"));
  });

  // Products share a tenant's credentials: another product's credential of the same user is not
  // listed, counted, allowed, used to log in, renamed or deleted here.
  it("sees only the credentials of the products its policy names", async () => {
    const { ceremony, challenges, credentials, clock } = setUp("one");
    const other = createWebauthnCeremony({ policy: policy("two", 1), rp, challenges, credentials, clock });
    const owner = user();
    const theirs = await register(other, owner);
    const { credential } = await register(ceremony, owner);
    const id = credential.id.toString("base64url");
    const theirsId = theirs.credential.id.toString("base64url");
    expect(credentials.all.map((held) => held.product)).toEqual(["two", "one"]);
    expect((await ceremony.list(tenantId, owner.id)).map((held) => held.credentialId)).toEqual([id]);
    expect((await ceremony.registrationOptions({ tenantId, purpose: "registration", user: owner, existingUser: true })).excludeCredentials?.map((descriptor) => descriptor.id)).toEqual([id]);
    expect((await ceremony.loginOptions({ tenantId, purpose: "login", userId: owner.id })).allowCredentials?.map((descriptor) => descriptor.id)).toEqual([id]);
    const options = await ceremony.loginOptions({ tenantId, purpose: "login", userId: null });
    await expect(ceremony.verifyLogin(tenantId, "login", authenticator.get(theirs.credential, options.challenge) as never)).rejects.toEqual(refusedWith("credential_unknown"));
    expect(await ceremony.rename(tenantId, owner.id, theirsId, "mine")).toBeUndefined();
    expect(await ceremony.remove(tenantId, owner.id, theirsId)).toBe(false);
    expect(credentials.all).toHaveLength(2);
    expect(await other.remove(tenantId, owner.id, theirsId)).toBe(true);
    expect(credentials.all.map((held) => held.credentialId)).toEqual([id]);
  });

  it("refuses an assertion with members missing or not base64url as malformed", async () => {
    const { ceremony } = setUp();
    const { userId, credential } = await register(ceremony);
    const options = await ceremony.loginOptions({ tenantId, purpose: "login", userId });
    const assertion = authenticator.get(credential, options.challenge);
    await expect(ceremony.verifyLogin(tenantId, "login", { ...assertion, response: { ...assertion.response, signature: "" } } as never)).rejects.toEqual(refusedWith("malformed"));
    await expect(ceremony.verifyLogin(tenantId, "login", { ...assertion, response: { ...assertion.response, clientDataJSON: "e30" } } as never)).rejects.toEqual(refusedWith("malformed"));
  });
});
