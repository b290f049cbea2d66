import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Clock } from "../clock.js";
import { createLogger } from "../../log.js";
import { createKeyService } from "./key.service.js";
import { createSecretBox } from "./secret-box.js";
import type { SigningKeyStore, StoredSigningKey } from "./signing-key.port.js";

/** An in-memory store that counts its reads; another replica may write to it behind the service's back. */
function memoryStore(): SigningKeyStore & { keys: StoredSigningKey[]; reads: number } {
  const store = {
    keys: [] as StoredSigningKey[],
    reads: 0,
    async listActive() {
      store.reads++;
      return [...store.keys].reverse();
    },
    async insert(key: StoredSigningKey) {
      store.keys.push(key);
    },
    async retire(kid: string) {
      const before = store.keys.length;
      store.keys = store.keys.filter((key) => key.kid !== kid);
      return store.keys.length < before;
    },
    exclusively<T>(work: (locked: SigningKeyStore) => Promise<T>): Promise<T> {
      return work(store);
    },
  };
  return store;
}

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = Date.parse("2026-12-01T00:00:00Z");
  return { now: () => new Date(now), advance: (ms) => (now += ms) };
}

const logger = createLogger("error");

describe("the key service", () => {
  it("creates one key per algorithm once, however often it is asked", async () => {
    const store = memoryStore();
    const keys = createKeyService({ store, secrets: createSecretBox(randomBytes(32)), logger });
    await keys.ensureKeys();
    await keys.ensureKeys();
    expect(store.keys.map((key) => key.alg).sort()).toEqual(["EdDSA", "RS256"]);
  });

  it("serves its cache until cacheMs has passed, then reads what another replica rotated", async () => {
    const store = memoryStore();
    const secrets = createSecretBox(randomBytes(32));
    const clock = fakeClock();
    const keys = createKeyService({ store, secrets, logger, clock, cacheMs: 10_000 });
    const other = createKeyService({ store, secrets, logger, clock, cacheMs: 10_000 });
    await keys.ensureKeys();
    const first = await keys.signingKey("EdDSA");
    const rotated = await other.rotate("EdDSA");
    clock.advance(9_999);
    expect((await keys.signingKey("EdDSA")).kid).toBe(first.kid);
    clock.advance(2);
    expect((await keys.signingKey("EdDSA")).kid).toBe(rotated.kid);
    expect((await keys.publicKeys("EdDSA")).map((jwk) => jwk.kid)).toEqual([rotated.kid, first.kid]);
  });

  it("reads the keys again at once on reload(), as when another replica announces a rotation", async () => {
    const store = memoryStore();
    const secrets = createSecretBox(randomBytes(32));
    const keys = createKeyService({ store, secrets, logger, clock: fakeClock() });
    const other = createKeyService({ store, secrets, logger, clock: fakeClock() });
    await keys.ensureKeys();
    const first = await keys.signingKey("RS256");
    const rotated = await other.rotate("RS256");
    expect((await keys.signingKey("RS256")).kid).toBe(first.kid);
    keys.reload();
    expect((await keys.signingKey("RS256")).kid).toBe(rotated.kid);
  });

  it("falls back to reading the keys every 5 s when no announcement arrives", async () => {
    const store = memoryStore();
    const clock = fakeClock();
    const keys = createKeyService({ store, secrets: createSecretBox(randomBytes(32)), logger, clock });
    await keys.ensureKeys();
    await keys.publicKeys("EdDSA");
    const reads = store.reads;
    clock.advance(5_000);
    await keys.publicKeys("EdDSA");
    expect(store.reads).toBe(reads);
    clock.advance(1);
    await keys.publicKeys("EdDSA");
    expect(store.reads).toBe(reads + 1);
  });

  it("stops verifying with a retired key at once on the replica that retired it", async () => {
    const store = memoryStore();
    const keys = createKeyService({ store, secrets: createSecretBox(randomBytes(32)), logger, clock: fakeClock() });
    await keys.ensureKeys();
    const { kid } = await keys.signingKey("RS256");
    expect(await keys.verificationKey("RS256", kid)).toBeDefined();
    expect(await keys.retire(kid)).toBe(true);
    expect(await keys.verificationKey("RS256", kid)).toBeUndefined();
    expect(await keys.retire(kid)).toBe(false);
  });

  it("never stores a private key in the clear", async () => {
    const store = memoryStore();
    const keys = createKeyService({ store, secrets: createSecretBox(randomBytes(32)), logger });
    await keys.ensureKeys();
    const signing = await keys.signingKey("EdDSA");
    const der = signing.privateKey.export({ format: "der", type: "pkcs8" });
    for (const key of store.keys) expect(Buffer.from(key.sealedPrivateKey).includes(der.subarray(-32))).toBe(false);
  });
});
