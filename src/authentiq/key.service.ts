import { randomBytes } from "node:crypto";
import { compactVerify, decodeProtectedHeader, importJWK } from "jose";
import type { Kysely } from "kysely";
import { DomainError } from "../errors/domain-error.js";
import type { SecretBox } from "../keys/secret-box.js";
import type { AuthentiqSchema, Schema } from "../store/schema.js";

const pkPattern = /^[A-Za-z0-9_-]{43}$/;
const secretContext = "authentiq:key-secret";

/** Authentiq key use cases: self-signed registration and status. */
export interface AuthentiqKeyService {
  register(jwt: string): Promise<{ status: string; secret: string }>;
  get(pk: string): Promise<{ sub: string; since: Date; status: string }>;
  revoke(pk: string, secret: string): Promise<{ status: string }>;
}

/** Verifies a compact JWT self-signed by the Ed25519 key in its `sub`; returns its claims. */
export async function verifySelfSigned(jwt: string): Promise<Record<string, unknown>> {
  let header;
  try {
    header = decodeProtectedHeader(jwt);
  } catch {
    throw new DomainError("INVALID_JWT", "invalid", "the body is not a compact JWT");
  }
  if (header.alg !== "EdDSA" && header.alg !== "Ed25519") throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT must be signed with EdDSA");
  const parts = jwt.split(".");
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new DomainError("INVALID_JWT", "invalid", "the JWT payload is not JSON");
  }
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) throw new DomainError("INVALID_JWT", "invalid", "the JWT payload is not an object");
  const sub = claims.sub;
  if (typeof sub !== "string" || !pkPattern.test(sub)) throw new DomainError("INVALID_JWT", "invalid", "the JWT needs `sub`, a 43-char base64url Ed25519 key");
  try {
    const key = await importJWK({ kty: "OKP", crv: "Ed25519", x: sub }, "EdDSA");
    await compactVerify(jwt, key, { algorithms: ["EdDSA", "Ed25519"] });
  } catch {
    throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT is not signed by the key in `sub`");
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.exp !== undefined && (typeof claims.exp !== "number" || claims.exp <= now)) throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT has expired");
  if (claims.nbf !== undefined && (typeof claims.nbf !== "number" || claims.nbf > now + 60)) throw new DomainError("AUTH_ERROR", "unauthenticated", "the JWT is not yet valid");
  return claims;
}

/** Checks a `{PK}` path value. */
export function checkPk(pk: string): string {
  if (!pkPattern.test(pk)) throw new DomainError("INVALID_KEY", "invalid", "the key must be a 43-char base64url Ed25519 public key");
  return pk;
}

/** Authentiq keys in the database. */
export function createAuthentiqKeyService(deps: { db: Kysely<Schema>; secrets: SecretBox; tenantId: string }): AuthentiqKeyService {
  const db = deps.db as unknown as Kysely<AuthentiqSchema>;
  return {
    async register(jwt) {
      const claims = await verifySelfSigned(jwt);
      const devtoken = claims.devtoken;
      if (typeof devtoken !== "string" || devtoken === "") throw new DomainError("INVALID_JWT", "invalid", "the JWT needs `devtoken`");
      const secret = randomBytes(32).toString("base64url");
      const inserted = await db
        .insertInto("authentiq_keys")
        .values({ tenant_id: deps.tenantId, pk: claims.sub as string, devtoken, secret_hash: deps.secrets.hash(secret, secretContext) })
        .onConflict((oc) => oc.columns(["tenant_id", "pk"]).doNothing())
        .returning("pk")
        .executeTakeFirst();
      if (inserted === undefined) throw new DomainError("DUPLICATE_KEY", "conflict", "this key is already registered");
      return { status: "registered", secret };
    },
    async get(pk) {
      checkPk(pk);
      const row = await db.selectFrom("authentiq_keys").select(["pk", "created_at", "revoked_at"]).where("tenant_id", "=", deps.tenantId).where("pk", "=", pk).executeTakeFirst();
      if (row === undefined) throw new DomainError("UNKNOWN_KEY", "not_found", "no such key");
      if (row.revoked_at !== null) throw new DomainError("REVOKED_KEY", "not_found", "this key has been revoked");
      return { sub: row.pk, since: row.created_at, status: "registered" };
    },
    async revoke(pk, secret) {
      checkPk(pk);
      const row = await db.selectFrom("authentiq_keys").select(["secret_hash", "revoked_at"]).where("tenant_id", "=", deps.tenantId).where("pk", "=", pk).executeTakeFirst();
      if (row === undefined) throw new DomainError("UNKNOWN_KEY", "not_found", "no such key");
      if (row.revoked_at !== null) throw new DomainError("REVOKED_KEY", "not_found", "this key has been revoked");
      if (!deps.secrets.verify(secret, secretContext, row.secret_hash)) throw new DomainError("AUTH_ERROR", "unauthenticated", "wrong secret");
      await db.updateTable("authentiq_keys").set({ revoked_at: new Date() }).where("tenant_id", "=", deps.tenantId).where("pk", "=", pk).where("revoked_at", "is", null).execute();
      return { status: "done" };
    },
  };
}
