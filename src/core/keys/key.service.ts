import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";
import type { Logger } from "../../log.js";
import { systemClock, type Clock } from "../clock.js";
import type { SecretBox } from "./secret-box.js";
import type { PublicJwk, SigningAlgorithm, SigningKeyStore, StoredSigningKey } from "./signing-key.port.js";

export type { PublicJwk, SigningAlgorithm } from "./signing-key.port.js";

/** The key a token is signed with now. */
export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
}

/**
 * Creates, publishes and rotates token-signing keys. Keys live in the database (private
 * parts sealed by the secret box), so every replica signs and verifies with the same set;
 * each replica caches the set for `cacheMs` and reloads it after that, or at once on `reload()`
 * (which the app calls when another replica or the CLI announces a change).
 */
export interface KeyService {
  /** Makes sure an RS256 and an EdDSA key exist; run at start. */
  ensureKeys(): Promise<void>;
  /** The published public keys of `alg`, oldest last. */
  publicKeys(alg: SigningAlgorithm): Promise<readonly PublicJwk[]>;
  /** The newest key of `alg`: the one that signs. */
  signingKey(alg: SigningAlgorithm): Promise<SigningKey>;
  /** The published public key `kid` of `alg`, to verify a token it signed; undefined once retired. */
  verificationKey(alg: SigningAlgorithm, kid: string): Promise<KeyObject | undefined>;
  /** Adds a new key of `alg`; it signs from now on, older keys stay published. */
  rotate(alg: SigningAlgorithm): Promise<PublicJwk>;
  /** Stops publishing `kid`; tokens it signed stop verifying. */
  retire(kid: string): Promise<boolean>;
  /** Forgets the cached set: the next use reads the keys from the store. */
  reload(): void;
}

/** What the key service needs. */
export interface KeyServiceOptions {
  store: SigningKeyStore;
  secrets: SecretBox;
  logger: Logger;
  cacheMs?: number;
  clock?: Clock;
}

interface LoadedKey {
  stored: StoredSigningKey;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
}

/** Creates the key service. */
export function createKeyService(options: KeyServiceOptions): KeyService {
  const { store, secrets, logger } = options;
  // The fallback when no notification arrives (LISTEN down): a change shows within 5 s.
  const cacheMs = options.cacheMs ?? 5_000;
  const clock = options.clock ?? systemClock;
  const now = () => clock.now().getTime();
  let cache: { at: number; keys: Promise<LoadedKey[]> } | undefined;
  // The same array for as long as the loaded set holds, so that callers can keep what they
  // make of it (the JWKS answer and its encoding) until the keys change.
  const published = new WeakMap<LoadedKey[], Map<SigningAlgorithm, readonly PublicJwk[]>>();

  const load = (): Promise<LoadedKey[]> => {
    if (cache === undefined || now() - cache.at > cacheMs) {
      const keys = store.listActive().then((stored) => stored.map((key): LoadedKey => ({ stored: key })));
      keys.catch(() => (cache = undefined));
      cache = { at: now(), keys };
    }
    return cache.keys;
  };

  const create = async (alg: SigningAlgorithm, into: SigningKeyStore): Promise<PublicJwk> => {
    const { publicKey, privateKey } = alg === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ed25519");
    const exported = publicKey.export({ format: "jwk" }) as JWK;
    const kid = await calculateJwkThumbprint(exported, "sha256");
    const publicJwk: PublicJwk =
      alg === "RS256"
        ? { kty: "RSA", kid, alg, use: "sig", n: exported.n!, e: exported.e! }
        : { kty: "OKP", kid, alg, use: "sig", crv: "Ed25519", x: exported.x! };
    const sealed = secrets.encrypt(privateKey.export({ format: "der", type: "pkcs8" }), `signing-key:${kid}`);
    await into.insert({ kid, alg, publicJwk, sealedPrivateKey: sealed });
    logger.info("created signing key", { kid, alg });
    return publicJwk;
  };

  return {
    async ensureKeys() {
      await store.exclusively(async (locked) => {
        const existing = new Set((await locked.listActive()).map((key) => key.alg));
        for (const alg of ["RS256", "EdDSA"] as const) if (!existing.has(alg)) await create(alg, locked);
      });
      cache = undefined;
    },
    async publicKeys(alg) {
      const loaded = await load();
      let byAlg = published.get(loaded);
      if (byAlg === undefined) published.set(loaded, (byAlg = new Map()));
      let keys = byAlg.get(alg);
      if (keys === undefined) byAlg.set(alg, (keys = Object.freeze(loaded.filter((key) => key.stored.alg === alg).map((key) => key.stored.publicJwk))));
      return keys;
    },
    async signingKey(alg) {
      const key = (await load()).find((candidate) => candidate.stored.alg === alg);
      if (key === undefined) throw new Error(`no ${alg} signing key: ensureKeys() did not run`);
      key.privateKey ??= createPrivateKey({
        key: secrets.decrypt(key.stored.sealedPrivateKey, `signing-key:${key.stored.kid}`),
        format: "der",
        type: "pkcs8",
      });
      return { kid: key.stored.kid, alg, privateKey: key.privateKey };
    },
    async verificationKey(alg, kid) {
      const key = (await load()).find((candidate) => candidate.stored.kid === kid && candidate.stored.alg === alg);
      if (key === undefined) return undefined;
      key.publicKey ??= createPublicKey({ key: { ...key.stored.publicJwk }, format: "jwk" });
      return key.publicKey;
    },
    async rotate(alg) {
      const jwk = await create(alg, store);
      cache = undefined;
      return jwk;
    },
    async retire(kid) {
      const retired = await store.retire(kid);
      cache = undefined;
      return retired;
    },
    reload() {
      cache = undefined;
    },
  };
}
