import { randomBytes } from "node:crypto";
import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import { DomainError } from "../../core/errors/domain-error.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import { hashContact, normalizeContact } from "./contact.js";
import type { AuthentiqKey, AuthentiqKeyStore } from "./key.port.js";
import { checkPk, optionalClaim, requiredClaim, verifySelfSigned, verifySignedBy } from "./self-signed-jwt.js";

const secretContext = "authentiq:key-secret";

/** Authentiq key use cases (seed 000 `/key`, `/key/{PK}`). */
export interface AuthentiqKeyService {
  /** Registers `JWT(sub, devtoken)`. Throws INVALID_JWT, AUTH_ERROR, DUPLICATE_KEY. */
  register(jwt: string): Promise<{ status: string; secret: string }>;
  /** A live key's status. Throws INVALID_KEY, UNKNOWN_KEY, REVOKED_KEY. */
  get(pk: string): Promise<{ sub: string; since: Date; status: string }>;
  /** Updates the device token with a JWT signed by `pk`. */
  update(pk: string, jwt: string): Promise<{ status: string }>;
  /** Binds email and phone hashes with `JWT(sub, email, phone)` signed by `pk`. Throws DUPLICATE_HASH too. */
  bind(pk: string, jwt: string): Promise<{ status: string }>;
  /** Revokes with the registration secret. Throws AUTH_ERROR on a wrong one. */
  revoke(pk: string, secret: string): Promise<{ status: string }>;
  /** The live key `pk`. Throws INVALID_KEY, UNKNOWN_KEY, REVOKED_KEY. */
  requireLive(pk: string): Promise<AuthentiqKey>;
}

/** Creates the key service over the tenant's key store. */
export function createAuthentiqKeyService(deps: { store: AuthentiqKeyStore; secrets: SecretBox; audit?: AuditLog<unknown> }): AuthentiqKeyService {
  const { store, secrets } = deps;
  const audit = deps.audit ?? noAudit;
  const requireLive = async (pk: string): Promise<AuthentiqKey> => {
    const key = await store.find(checkPk(pk));
    if (key === undefined) throw new DomainError("UNKNOWN_KEY", "not_found", "no such key");
    if (key.revoked) throw new DomainError("REVOKED_KEY", "not_found", "this key has been revoked");
    return key;
  };
  return {
    requireLive,
    async register(jwt) {
      const claims = await verifySelfSigned(jwt);
      const devtoken = requiredClaim(claims, "devtoken");
      const secret = randomBytes(32).toString("base64url");
      // The key's public id names it; the registration secret never goes into the trail.
      const recordRegistered = (tx: unknown) => audit.record(tx, { type: "credential.registered", outcome: "success", product: "authentiq", details: { kind: "authentiq_key", key: claims.sub } });
      if (!(await store.insert({ pk: claims.sub, devtoken, secretHash: secrets.hash(secret, secretContext) }, recordRegistered))) {
        throw new DomainError("DUPLICATE_KEY", "conflict", "this key is already registered");
      }
      return { status: "registered", secret };
    },
    async get(pk) {
      const key = await requireLive(pk);
      return { sub: key.pk, since: key.createdAt, status: "registered" };
    },
    async update(pk, jwt) {
      const claims = await verifySignedBy(pk, jwt);
      const devtoken = optionalClaim(claims, "devtoken");
      // One statement on the common path; the lookup only says why an update found no live key.
      if (devtoken === undefined || !(await store.updateDevtoken(pk, devtoken))) await requireLive(pk);
      return { status: "confirmed" };
    },
    async bind(pk, jwt) {
      const claims = await verifySignedBy(pk, jwt);
      const contact = normalizeContact(requiredClaim(claims, "email"), requiredClaim(claims, "phone"));
      await requireLive(pk);
      if (!(await store.bindContact(pk, hashContact(secrets, contact)))) {
        throw new DomainError("DUPLICATE_HASH", "conflict", "this email and phone are bound to another key");
      }
      return { status: "confirmed" };
    },
    async revoke(pk, secret) {
      const key = await requireLive(pk);
      if (!secrets.verify(secret, secretContext, key.secretHash)) {
        // A refused revocation writes nothing else: its event stands alone (a secret being guessed shows in the trail).
        await audit.recordAlone({ type: "credential.removed", outcome: "failure", product: "authentiq", reason: "AUTH_ERROR", details: { kind: "authentiq_key", key: pk } });
        throw new DomainError("AUTH_ERROR", "unauthenticated", "wrong secret");
      }
      await store.revoke(pk, (tx) => audit.record(tx, { type: "credential.removed", outcome: "success", product: "authentiq", details: { kind: "authentiq_key", key: pk } }));
      return { status: "done" };
    },
  };
}
