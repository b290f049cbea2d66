import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";
import type { Kysely } from "kysely";
import type { Logger } from "../../log.js";
import type { Schema } from "../../store/schema.js";
import { defaultTenantId } from "../../store/schema.js";
import { insertKey, listActiveKeys, lockSigningKeys, retireKey, type SigningKeyRow } from "../../store/keys/key.store.js";
import type { SecretBox } from "./secret-box.js";

/** The signature algorithms Tessera signs with: RS256 for Hanko, EdDSA for Authentiq. */
export type SigningAlgorithm = "RS256" | "EdDSA";

/** A public JSON Web Key as published (RFC 7517 §4): never a private member. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SigningAlgorithm;
  use: "sig";
  n?: string;
  e?: string;
  crv?: string;
  x?: string;
}

/** The key a token is signed with now. */
export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
}

/**
 * Creates, publishes and rotates token-signing keys. Keys live in the database (private
 * parts sealed by the secret box), so every replica signs and verifies with the same set;
 * each replica caches the set for `cacheMs` and reloads it after that.
 */
export interface KeyService {
  /** Makes sure an RS256 and an EdDSA key exist; run at start. */
  ensureKeys(): Promise<void>;
  /** The published public keys of `alg`, oldest last. */
  publicKeys(alg: SigningAlgorithm): Promise<PublicJwk[]>;
  /** The newest key of `alg`: the one that signs. */
  signingKey(alg: SigningAlgorithm): Promise<SigningKey>;
  /** The published public key `kid` of `alg`, to verify a token it signed; undefined once retired. */
  verificationKey(alg: SigningAlgorithm, kid: string): Promise<KeyObject | undefined>;
  /** Adds a new key of `alg`; it signs from now on, older keys stay published. */
  rotate(alg: SigningAlgorithm): Promise<PublicJwk>;
  /** Stops publishing `kid`; tokens it signed stop verifying. */
  retire(kid: string): Promise<boolean>;
}

/** What the key service needs. */
export interface KeyServiceOptions {
  db: Kysely<Schema>;
  secrets: SecretBox;
  logger: Logger;
  tenantId?: string;
  cacheMs?: number;
  now?: () => number;
}

interface LoadedKey {
  row: SigningKeyRow;
  publicJwk: PublicJwk;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
}

/** Creates the key service. */
export function createKeyService(options: KeyServiceOptions): KeyService {
  const { db, secrets, logger } = options;
  const tenantId = options.tenantId ?? defaultTenantId;
  const cacheMs = options.cacheMs ?? 10_000;
  const now = options.now ?? Date.now;
  let cache: { at: number; keys: Promise<LoadedKey[]> } | undefined;

  const load = (): Promise<LoadedKey[]> => {
    if (cache === undefined || now() - cache.at > cacheMs) {
      const keys = listActiveKeys(db, tenantId).then((rows) => rows.map((row) => ({ row, publicJwk: row.public_jwk as unknown as PublicJwk })));
      keys.catch(() => (cache = undefined));
      cache = { at: now(), keys };
    }
    return cache.keys;
  };

  const create = async (alg: SigningAlgorithm, executor: Kysely<Schema>): Promise<PublicJwk> => {
    const { publicKey, privateKey } = alg === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ed25519");
    const exported = publicKey.export({ format: "jwk" }) as JWK;
    const kid = await calculateJwkThumbprint(exported, "sha256");
    const publicJwk: PublicJwk =
      alg === "RS256"
        ? { kty: "RSA", kid, alg, use: "sig", n: exported.n!, e: exported.e! }
        : { kty: "OKP", kid, alg, use: "sig", crv: "Ed25519", x: exported.x! };
    const sealed = secrets.encrypt(privateKey.export({ format: "der", type: "pkcs8" }), `signing-key:${kid}`);
    await insertKey(executor, { kid, tenantId, alg, publicJwk: { ...publicJwk }, privateKey: sealed });
    logger.info("created signing key", { kid, alg });
    return publicJwk;
  };

  return {
    async ensureKeys() {
      await db.transaction().execute(async (tx) => {
        await lockSigningKeys(tx);
        const existing = new Set((await listActiveKeys(tx, tenantId)).map((row) => row.alg));
        for (const alg of ["RS256", "EdDSA"] as const) if (!existing.has(alg)) await create(alg, tx);
      });
      cache = undefined;
    },
    async publicKeys(alg) {
      return (await load()).filter((key) => key.row.alg === alg).map((key) => key.publicJwk);
    },
    async signingKey(alg) {
      const key = (await load()).find((candidate) => candidate.row.alg === alg);
      if (key === undefined) throw new Error(`no ${alg} signing key: ensureKeys() did not run`);
      key.privateKey ??= createPrivateKey({
        key: secrets.decrypt(key.row.private_key, `signing-key:${key.row.kid}`),
        format: "der",
        type: "pkcs8",
      });
      return { kid: key.row.kid, alg, privateKey: key.privateKey };
    },
    async verificationKey(alg, kid) {
      const key = (await load()).find((candidate) => candidate.row.kid === kid && candidate.row.alg === alg);
      if (key === undefined) return undefined;
      key.publicKey ??= createPublicKey({ key: { ...key.publicJwk }, format: "jwk" });
      return key.publicKey;
    },
    async rotate(alg) {
      const jwk = await create(alg, db);
      cache = undefined;
      return jwk;
    },
    async retire(kid) {
      const retired = await retireKey(db, tenantId, kid);
      cache = undefined;
      return retired;
    },
  };
}
