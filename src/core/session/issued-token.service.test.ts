import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Clock } from "../clock.js";
import { DomainError, isDomainError } from "../errors/domain-error.js";
import type { KeyService } from "../keys/key.service.js";
import type { NewToken, TokenStore } from "./issued-token.port.js";
import { createIssuedTokens, type IssuedTokenPolicy } from "./issued-token.service.js";

/** One EdDSA key, as the key service would hold it. */
function edKeys(): KeyService {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const absent = () => Promise.reject(new Error("not used here"));
  return {
    ensureKeys: () => Promise.resolve(),
    publicKeys: absent,
    signingKey: (alg) => Promise.resolve({ kid: "ed-only", alg, privateKey }),
    verificationKey: (alg, kid) => Promise.resolve(alg === "EdDSA" && kid === "ed-only" ? publicKey : undefined),
    rotate: absent,
    retire: absent,
    reload: () => undefined,
  };
}

type Row = NewToken<{ note: string }> & { revoked: boolean };

/** Token rows in a map: live while not revoked and before their expiry. */
function rowStore(): TokenStore<{ note: string }> & { rows: Map<string, Row> } {
  const rows = new Map<string, Row>();
  return {
    rows,
    insert: (token) => Promise.resolve(void rows.set(token.tokenId, { ...token, revoked: false })),
    findLive(tokenId, at) {
      const row = rows.get(tokenId);
      if (row === undefined || row.revoked || row.expiresAt <= at) return Promise.resolve(undefined);
      return Promise.resolve({ tokenId, subject: row.subject, bindingHash: row.bindingHash, extra: row.extra });
    },
    revoke(tokenId, subject) {
      const row = rows.get(tokenId);
      if (row === undefined || (subject !== undefined && row.subject !== subject)) return Promise.resolve(false);
      row.revoked = true;
      return Promise.resolve(true);
    },
  };
}

function stoppedClock(start: number): Clock & { advance(seconds: number): void } {
  let at = start;
  return { now: () => new Date(at), advance: (seconds) => void (at += seconds * 1000) };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    if (isDomainError(error)) return error.reason;
    throw error;
  }
}

const policy: IssuedTokenPolicy = {
  alg: "EdDSA",
  issuer: "test-issuer",
  lifetime: 300,
  bound: true,
  refuse: (cause) => new DomainError("INVALID_TOKEN", "unauthenticated", "refused", { cause }),
};
const keys = edKeys();
const alice = "0b7e2a4c-5d6f-4a8b-9c1d-2e3f4a5b6c7d";
const bob = "1c8f3b5d-6e7a-4b9c-8d2e-3f4a5b6c7d8e";

function setup(overrides: Partial<IssuedTokenPolicy> = {}, store = rowStore(), locked = new Set<string>()) {
  const clock = stoppedClock(Date.UTC(2026, 11, 2));
  const locks = { isLocked: (userId: string) => Promise.resolve(locked.has(userId)) };
  return { clock, store, tokens: createIssuedTokens({ store, keys, policy: { ...policy, ...overrides }, clock, locks }) };
}

describe("issued tokens", () => {
  // A locked account (tessera.admin.v1 LockUser) must not log in, nor keep using a session it
  // already holds, in whichever product issued it.
  it("records no token for a locked user and accepts none of theirs until the lock is lifted", async () => {
    const locked = new Set<string>();
    const { store, tokens } = setup({}, rowStore(), locked);
    const { token } = await tokens.issue({ subject: alice, extra: { note: "" }, binding: "c" });
    locked.add(alice);
    expect(await outcome(tokens.verify(token, "c"))).toBe("USER_LOCKED");
    const rowsBefore = store.rows.size;
    expect(await outcome(tokens.issue({ subject: alice, extra: { note: "" }, binding: "c" }))).toBe("USER_LOCKED");
    expect(store.rows.size).toBe(rowsBefore);
    expect(await outcome(tokens.issue({ subject: bob, extra: { note: "" }, binding: "c" }))).toBe("accepted");
    locked.delete(alice);
    expect(await outcome(tokens.verify(token, "c"))).toBe("accepted");
  });

  it("issues a token backed by a row and verifies it with its binding until the lifetime ends", async () => {
    const { clock, store, tokens } = setup();
    const { recorded, token } = await tokens.issue({ subject: alice, extra: { note: "kept" }, binding: "client-1" }, { role: "x" });
    expect(store.rows.get(recorded.tokenId)?.expiresAt).toEqual(new Date(clock.now().getTime() + 300_000));
    const verified = await tokens.verify(token, "client-1");
    expect(verified).toMatchObject({ tokenId: recorded.tokenId, subject: alice, extra: { note: "kept" }, expiresAt: new Date(clock.now().getTime() + 300_000) });
    expect(verified.claims).toMatchObject({ role: "x", iss: "test-issuer", sub: alice, jti: recorded.tokenId });
    clock.advance(299);
    expect(await outcome(tokens.verify(token, "client-1"))).toBe("accepted");
    clock.advance(1);
    expect(await outcome(tokens.verify(token, "client-1"))).toBe("INVALID_TOKEN");
  });

  it("lives as long as its issue says when that differs from the policy's lifetime", async () => {
    const { clock, tokens } = setup();
    const { token } = await tokens.issue({ subject: alice, extra: { note: "" }, binding: "c", lifetime: 30 });
    clock.advance(29);
    expect(await outcome(tokens.verify(token, "c"))).toBe("accepted");
    clock.advance(1);
    expect(await outcome(tokens.verify(token, "c"))).toBe("INVALID_TOKEN");
  });

  it("refuses a revoked token, and revokes only the named subject's token", async () => {
    const { tokens } = setup();
    const { recorded, token } = await tokens.issue({ subject: alice, extra: { note: "" }, binding: "c" });
    expect(await tokens.revoke(recorded.tokenId, bob)).toBe(false);
    expect(await outcome(tokens.verify(token, "c"))).toBe("accepted");
    expect(await tokens.revoke(recorded.tokenId, alice)).toBe(true);
    expect(await outcome(tokens.verify(token, "c"))).toBe("INVALID_TOKEN");
  });

  it("refuses a bound token presented with another binding or none", async () => {
    const { tokens } = setup();
    const { token } = await tokens.issue({ subject: alice, extra: { note: "" }, binding: "client-1" });
    const reasons = await Promise.all(["client-2", "", undefined].map((binding) => outcome(tokens.verify(token, binding))));
    expect(reasons).toEqual(["INVALID_TOKEN", "INVALID_TOKEN", "INVALID_TOKEN"]);
  });

  it("ignores a binding for an unbound policy and stores no hash", async () => {
    const { store, tokens } = setup({ bound: false });
    const { recorded, token } = await tokens.issue({ subject: alice, extra: { note: "" } });
    expect(store.rows.get(recorded.tokenId)?.bindingHash).toBeNull();
    expect(await outcome(tokens.verify(token, "anything"))).toBe("accepted");
  });

  it("refuses a token whose row belongs to another subject", async () => {
    const { store, tokens } = setup();
    const { recorded, token } = await tokens.issue({ subject: alice, extra: { note: "" }, binding: "c" });
    store.rows.get(recorded.tokenId)!.subject = bob;
    expect(await outcome(tokens.verify(token, "c"))).toBe("INVALID_TOKEN");
  });

  it("refuses a token whose row is gone, a tampered payload or signature, garbage and nothing", async () => {
    const { store, tokens } = setup();
    const orphan = await tokens.issue({ subject: alice, extra: { note: "" }, binding: "c" });
    store.rows.delete(orphan.recorded.tokenId);
    const { token } = await tokens.issue({ subject: alice, extra: { note: "" }, binding: "c" });
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
    const otherPayload = Buffer.from(JSON.stringify({ ...claims, sub: bob })).toString("base64url");
    // The signature's first character carries six bits of it, none of them padding.
    const otherSignature = (signature![0] === "A" ? "B" : "A") + signature!.slice(1);
    const presented = [orphan.token, `${header}.${otherPayload}.${signature}`, `${header}.${payload}.${otherSignature}`, "garbage", "", undefined];
    const reasons = await Promise.all(presented.map((jwt) => outcome(tokens.verify(jwt, "c"))));
    expect(reasons).toEqual(Array(presented.length).fill("INVALID_TOKEN"));
    expect(await outcome(tokens.verify(token, "c"))).toBe("accepted");
  });

  it("refuses a token of another issuer signed with the same key", async () => {
    const { store, tokens } = setup();
    const { tokens: foreign } = setup({ issuer: "someone-else" }, store);
    const { token } = await foreign.issue({ subject: alice, extra: { note: "" }, binding: "c" });
    expect(await outcome(tokens.verify(token, "c"))).toBe("INVALID_TOKEN");
  });
});
