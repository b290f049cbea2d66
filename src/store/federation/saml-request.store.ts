import type { CacheProvider } from "@node-saml/node-saml";
import { sql, type Kysely } from "kysely";
import type { SamlReplayStore } from "../../federation/federation.port.js";
import type { Schema } from "../schema.js";

/** SAML request ids and used assertions of `tenantId`; request ids live `requestTtlSeconds`. */
export function createSamlReplayStore(db: Kysely<Schema>, tenantId: string, requestTtlSeconds: number): SamlReplayStore {
  return {
    requests: createSamlRequestCache(db, tenantId, requestTtlSeconds),
    markAssertionUsed: (assertionId, minimumSeconds) => markAssertionUsed(db, tenantId, assertionId, minimumSeconds),
  };
}

/**
 * node-saml's request-id cache in the database: the id of every AuthnRequest sent, until
 * its response arrives (then deleted, so a replayed response's InResponseTo is unknown) or
 * `ttlSeconds` pass. Any replica can take the response.
 */
function createSamlRequestCache(db: Kysely<Schema>, tenantId: string, ttlSeconds: number): CacheProvider {
  return {
    async saveAsync(key, value) {
      const row = await db
        .insertInto("saml_requests")
        .values({ tenant_id: tenantId, request_id: key, issued_at: value, expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})` })
        .onConflict((conflict) => conflict.columns(["tenant_id", "request_id"]).doNothing())
        .returning(["issued_at", "created_at"])
        .executeTakeFirst();
      return row === undefined ? null : { value: row.issued_at, createdAt: row.created_at.getTime() };
    },
    async getAsync(key) {
      const row = await db
        .selectFrom("saml_requests")
        .select("issued_at")
        .where("tenant_id", "=", tenantId)
        .where("request_id", "=", key)
        .where("expires_at", ">", sql<Date>`now()`)
        .executeTakeFirst();
      return row?.issued_at ?? null;
    },
    async removeAsync(key) {
      if (key === null) return null;
      const row = await db.deleteFrom("saml_requests").where("tenant_id", "=", tenantId).where("request_id", "=", key).returning("issued_at").executeTakeFirst();
      return row?.issued_at ?? null;
    },
  };
}

/**
 * Records that the assertion `assertionId` was used, for `minimumSeconds` (longer than any
 * assertion the service accepts lives); false when it already was (a replay).
 */
async function markAssertionUsed(db: Kysely<Schema>, tenantId: string, assertionId: string, minimumSeconds: number): Promise<boolean> {
  const row = await db
    .insertInto("saml_assertions")
    .values({ tenant_id: tenantId, assertion_id: assertionId, expires_at: sql<Date>`now() + make_interval(secs => ${minimumSeconds})` })
    .onConflict((conflict) => conflict.columns(["tenant_id", "assertion_id"]).doNothing())
    .returning("assertion_id")
    .executeTakeFirst();
  return row !== undefined;
}
