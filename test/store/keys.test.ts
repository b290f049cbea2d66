import { randomBytes } from "node:crypto";
import { createLocalJWKSet, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeyService, type KeyService } from "../../src/core/keys/key.service.js";
import { createSecretBox } from "../../src/core/keys/secret-box.js";
import { createLogger } from "../../src/log.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { createSigningKeyStore } from "../../src/store/keys/key.store.js";
import { migrateToLatest } from "../../src/store/migrator.js";
import { defaultTenantId } from "../../src/store/schema.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

const logger = createLogger("error");
let testDb: TestDatabase;
let database: Database;
let keys: KeyService;
const secrets = createSecretBox(randomBytes(32));

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: "memory://", pgliteTemplate: testDb.pgliteTemplate, logger });
  await migrateToLatest(database.db);
  keys = createKeyService({ store: createSigningKeyStore(database.db, defaultTenantId), secrets, logger, cacheMs: 0 });
  await keys.ensureKeys();
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

async function sign(alg: "RS256" | "EdDSA"): Promise<string> {
  const key = await keys.signingKey(alg);
  return new SignJWT({ sub: "someone" }).setProtectedHeader({ alg, kid: key.kid }).setIssuedAt().sign(key.privateKey);
}

describe("the key service", () => {
  it("creates one RS256 and one EdDSA key on first start, and no more on the next", async () => {
    await keys.ensureKeys();
    const rows = await database.db.selectFrom("signing_keys").select(["alg"]).execute();
    expect(rows.map((row) => row.alg).sort()).toEqual(["EdDSA", "RS256"]);
  });

  it("publishes public JWKs that verify what the signing key signs", async () => {
    for (const alg of ["RS256", "EdDSA"] as const) {
      const published = await keys.publicKeys(alg);
      expect(published).toHaveLength(1);
      expect(JSON.stringify(published)).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
      const { payload } = await jwtVerify(await sign(alg), createLocalJWKSet({ keys: published as never }));
      expect(payload.sub).toBe("someone");
    }
  });

  // A database dump alone must not give away the signing keys.
  it("stores the private key encrypted under the server key", async () => {
    const row = await database.db.selectFrom("signing_keys").selectAll().where("alg", "=", "EdDSA").executeTakeFirstOrThrow();
    const signing = await keys.signingKey("EdDSA");
    const der = signing.privateKey.export({ format: "der", type: "pkcs8" });
    expect(Buffer.from(row.private_key).includes(der.subarray(-32))).toBe(false);
    expect(() => createSecretBox(randomBytes(32)).decrypt(row.private_key, `signing-key:${row.kid}`)).toThrow();
    expect(secrets.decrypt(row.private_key, `signing-key:${row.kid}`).equals(der)).toBe(true);
  });

  it("rotates: the new key signs, the old one stays published until retired", async () => {
    const oldToken = await sign("RS256");
    const old = await keys.signingKey("RS256");
    const added = await keys.rotate("RS256");
    const current = await keys.signingKey("RS256");
    expect(current.kid).toBe(added.kid);
    expect(current.kid).not.toBe(old.kid);
    const published = await keys.publicKeys("RS256");
    expect(published.map((key) => key.kid)).toEqual([added.kid, old.kid]);
    const jwks = createLocalJWKSet({ keys: published as never });
    await expect(jwtVerify(oldToken, jwks)).resolves.toBeDefined();
    await expect(jwtVerify(await sign("RS256"), jwks)).resolves.toBeDefined();

    expect(await keys.retire(old.kid)).toBe(true);
    const after = await keys.publicKeys("RS256");
    expect(after.map((key) => key.kid)).toEqual([added.kid]);
    await expect(jwtVerify(oldToken, createLocalJWKSet({ keys: after as never }))).rejects.toThrow();
    expect(await keys.retire(old.kid)).toBe(false);
  });
});
