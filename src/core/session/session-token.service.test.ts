import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Clock } from "../clock.js";
import { DomainError, isDomainError } from "../errors/domain-error.js";
import type { KeyService, SigningAlgorithm } from "../keys/key.service.js";
import type { SessionStore } from "./session.port.js";
import { createSessionTokens } from "./session-token.service.js";
import { createSignedTokens, type SignedTokenPolicy } from "./signed-token.js";

/** A product's session policy as Hanko's is: RS256, refused as UNAUTHENTICATED. */
const policy: SignedTokenPolicy = { alg: "RS256", refuse: (cause) => new DomainError("UNAUTHENTICATED", "unauthenticated", "Unauthorized", { cause }) };

/** Keys in memory: one RS256 and one EdDSA pair, as the key service would hold. */
function memoryKeys(): KeyService {
  const pairs: Record<SigningAlgorithm, { kid: string; privateKey: KeyObject; publicKey: KeyObject }> = {
    RS256: { kid: "rs-1", ...generateKeyPairSync("rsa", { modulusLength: 2048 }) },
    EdDSA: { kid: "ed-1", ...generateKeyPairSync("ed25519") },
  };
  const unused = () => Promise.reject(new Error("not in this test"));
  return {
    ensureKeys: () => Promise.resolve(),
    publicKeys: unused,
    signingKey: (alg) => Promise.resolve({ kid: pairs[alg].kid, alg, privateKey: pairs[alg].privateKey }),
    verificationKey: (alg, kid) => Promise.resolve(pairs[alg].kid === kid ? pairs[alg].publicKey : undefined),
    rotate: unused,
    retire: unused,
    reload: () => undefined,
  };
}

function memoryStore(): SessionStore & { rows: Map<string, { userId: string; expiresAt: Date; revoked: boolean }> } {
  const rows = new Map<string, { userId: string; expiresAt: Date; revoked: boolean }>();
  return {
    rows,
    transaction: (work) => work(undefined),
    insert: (session) => Promise.resolve(void rows.set(session.id, { userId: session.userId, expiresAt: session.expiresAt, revoked: false })),
    findLive(id, at) {
      const row = rows.get(id);
      return Promise.resolve(row === undefined || row.revoked || row.expiresAt <= at ? undefined : { sessionId: id, userId: row.userId });
    },
    revoke(id) {
      const row = rows.get(id);
      if (row === undefined || row.revoked) return Promise.resolve(undefined);
      row.revoked = true;
      return Promise.resolve({ userId: row.userId });
    },
  };
}

function fakeClock(start: number): Clock & { advance(seconds: number): void } {
  let now = start;
  return { now: () => new Date(now), advance: (seconds) => void (now += seconds * 1000) };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isDomainError(error)) return error.reason;
    throw error;
  }
  return "accepted";
}

const keys = memoryKeys();
const userId = "7d3c1a52-3f0e-4d8b-9a5e-2b8f6c4d1e90";

describe("session tokens", () => {
  it("records a revocation with the session's user, and nothing when no live session was revoked", async () => {
    const store = memoryStore();
    const events: Array<{ type: string; userId?: string | null }> = [];
    const audit = { record: (_tx: unknown, event: { type: string; userId?: string | null }) => (events.push(event), Promise.resolve()), recordMany: () => Promise.reject(new Error("unexpected")), recordAlone: () => Promise.reject(new Error("unexpected")), together: <T>(_tx: unknown, work: () => Promise<T>) => work() };
    const sessions = createSessionTokens({ store, keys, lifetime: 600, clock: fakeClock(Date.UTC(2026, 11, 1)), policy, audit, product: "hanko" });
    const issued = await sessions.issue(userId);
    await sessions.revoke(issued.sessionId);
    await sessions.revoke(issued.sessionId);
    expect(events.filter((event) => event.type === "session.revoked")).toEqual([expect.objectContaining({ type: "session.revoked", userId })]);
  });

  it("issues an RS256 session whose row backs it, and authenticates it until its lifetime ends", async () => {
    const clock = fakeClock(Date.UTC(2026, 11, 1));
    const store = memoryStore();
    const sessions = createSessionTokens({ store, keys, lifetime: 600, clock, policy });
    const issued = await sessions.issue(userId);
    expect(issued).toMatchObject({ userId, lifetime: 600 });
    expect(store.rows.get(issued.sessionId)?.expiresAt).toEqual(new Date(Date.UTC(2026, 11, 1) + 600_000));
    clock.advance(599);
    expect(await sessions.authenticate(issued.token)).toEqual({ sessionId: issued.sessionId, userId });
    clock.advance(1);
    expect(await reasonOf(sessions.authenticate(issued.token))).toBe("UNAUTHENTICATED");
  });

  it("refuses a revoked session, a token whose row is gone, garbage, nothing, and an altered token", async () => {
    const clock = fakeClock(Date.UTC(2026, 11, 1));
    const store = memoryStore();
    const sessions = createSessionTokens({ store, keys, lifetime: 600, clock, policy });
    const revoked = await sessions.issue(userId);
    await sessions.revoke(revoked.sessionId);
    const orphan = await sessions.issue(userId);
    store.rows.delete(orphan.sessionId);
    // The signature's first character carries six of its bits (the last carries fewer, and
    // swapping A and B there can give the same signature back).
    const fresh = (await sessions.issue(userId)).token;
    const signatureAt = fresh.lastIndexOf(".") + 1;
    const altered = `${fresh.slice(0, signatureAt)}${fresh[signatureAt] === "A" ? "B" : "A"}${fresh.slice(signatureAt + 1)}`;
    const reasons = await Promise.all([revoked.token, orphan.token, "garbage", undefined, "", altered].map((token) => reasonOf(sessions.authenticate(token))));
    expect(reasons).toEqual(Array(6).fill("UNAUTHENTICATED"));
  });

  it("refuses another product's token signed with another key family", async () => {
    const clock = fakeClock(Date.UTC(2026, 11, 1));
    const sessions = createSessionTokens({ store: memoryStore(), keys, lifetime: 600, clock, policy });
    const other = createSignedTokens(keys, { alg: "EdDSA", refuse: () => new DomainError("INVALID_TOKEN", "unauthenticated") }, clock);
    const foreign = await other.sign({ tokenId: "9a1f4c2e-7b3d-4e5f-8a6b-1c2d3e4f5a6b", subject: userId, issuedAt: Math.floor(clock.now().getTime() / 1000), lifetime: 600 });
    expect(await reasonOf(sessions.authenticate(foreign))).toBe("UNAUTHENTICATED");
  });
});
