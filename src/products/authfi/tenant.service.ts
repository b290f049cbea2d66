import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import type { SecretBox } from "../../core/keys/secret-box.js";
import { defaultTenantId, type Schema } from "../../store/schema.js";
import { authfiError } from "./authfi-errors.js";
import { activeKeyHashes, findTenantBySlug, insertApiKey, insertTenant, reinstateApiKey, revokeOtherApiKeys, updateTenant, type TenantRow } from "../../store/authfi/tenant.store.js";

/** An AuthFi access point: a tenant of its own, with its state and optional user cap. */
export interface AccessPoint {
  tenantId: string;
  slug: string;
  state: TenantRow["state"];
  userCap: number | null;
}

/** What makes a new access point. */
export interface NewAccessPoint {
  slug: string;
  state?: TenantRow["state"];
  userCap?: number | null;
  /** The API key; a random one (32 bytes, base64url) when unset. */
  apiKey?: string;
}

/** AuthFi relying parties: each access point is a tenant whose API keys are stored as HMAC. */
export interface AccessPointService {
  /**
   * The access point a call may act for. Throws AUTHFI_UNAUTHENTICATED (1000) for an unknown
   * access point or a missing or wrong key, AUTHFI_ACCESS_POINT_BLOCKED (1001) when suspended.
   */
  authenticate(slug: string, apiKey: string | null): Promise<AccessPoint>;
  /** Creates an access point and gives its API key; undefined when the slug is taken. */
  create(options: NewAccessPoint): Promise<{ accessPoint: AccessPoint; apiKey: string } | undefined>;
  /**
   * Makes sure the configured access point exists (active, no user cap) and accepts `apiKey`
   * and no other key: a changed `AUTHFI_API_KEY` revokes the old one. An existing access point
   * keeps its state and cap. Safe to run at every start; returns how many keys it revoked.
   */
  ensure(slug: string, apiKey: string): Promise<number>;
  /** Changes an access point's state and user cap (`null`: no cap); undefined when unknown. */
  update(slug: string, changes: { state?: TenantRow["state"]; userCap?: number | null }): Promise<AccessPoint | undefined>;
  /** Gives the access point a new random API key and revokes every other; undefined when unknown. */
  rotateKey(slug: string): Promise<string | undefined>;
}

const slugPattern = /^[A-Za-z0-9_-]{1,128}$/;

/** Creates the access point service. */
export function createAccessPointService(deps: { db: Kysely<Schema>; secrets: SecretBox }): AccessPointService {
  const { db, secrets } = deps;
  // The key's HMAC is bound to its tenant, so one key string never opens two access points.
  const keyHash = (tenantId: string, apiKey: string) => secrets.hash(apiKey, `authfi-api-key:${tenantId}`);
  const refused = () => authfiError("unauthenticated", "API key or access point not accepted");
  const toAccessPoint = (row: TenantRow): AccessPoint => ({ tenantId: row.id, slug: row.slug, state: row.state, userCap: row.user_cap });

  return {
    async authenticate(slug, apiKey) {
      const tenant = slugPattern.test(slug) ? await findTenantBySlug(db, slug) : undefined;
      const usable = tenant !== undefined && tenant.id !== defaultTenantId;
      // Hash, look up and compare even for an unknown access point: the timing says little.
      const actual = keyHash(usable ? tenant.id : defaultTenantId, apiKey ?? "");
      // The same two queries either way (the default tenant has no API keys).
      const keys = await activeKeyHashes(db, usable ? tenant.id : defaultTenantId);
      const stored = usable ? keys : [Buffer.alloc(actual.length)];
      let matched = false;
      for (const hash of stored) matched = (hash.length === actual.length && timingSafeEqual(hash, actual)) || matched;
      if (!usable || !matched || apiKey === null || apiKey === "") throw refused();
      if (tenant.state === "suspended") throw authfiError("blocked", "the access point is suspended");
      return toAccessPoint(tenant);
    },

    async create(options) {
      if (!slugPattern.test(options.slug)) throw new Error("an access point is 1 to 128 letters, digits, '-' or '_'");
      const apiKey = options.apiKey ?? randomBytes(32).toString("base64url");
      return db.transaction().execute(async (tx) => {
        const tenant = await insertTenant(tx, { slug: options.slug, state: options.state ?? "active", userCap: options.userCap ?? null });
        if (tenant === undefined) return undefined;
        await insertApiKey(tx, tenant.id, keyHash(tenant.id, apiKey));
        return { accessPoint: toAccessPoint(tenant), apiKey };
      });
    },

    async ensure(slug, apiKey) {
      if (!slugPattern.test(slug)) throw new Error("AUTHFI_ACCESS_POINT must be 1 to 128 letters, digits, '-' or '_'");
      return db.transaction().execute(async (tx) => {
        const tenant = (await insertTenant(tx, { slug, state: "active", userCap: null })) ?? (await findTenantBySlug(tx, slug));
        if (tenant === undefined || tenant.id === defaultTenantId) throw new Error(`AUTHFI_ACCESS_POINT "${slug}" is taken`);
        const hash = keyHash(tenant.id, apiKey);
        await insertApiKey(tx, tenant.id, hash);
        await reinstateApiKey(tx, tenant.id, hash);
        return revokeOtherApiKeys(tx, tenant.id, hash);
      });
    },

    async update(slug, changes) {
      const tenant = slugPattern.test(slug) ? await updateTenant(db, slug, changes) : undefined;
      return tenant === undefined ? undefined : toAccessPoint(tenant);
    },

    async rotateKey(slug) {
      const apiKey = randomBytes(32).toString("base64url");
      return db.transaction().execute(async (tx) => {
        const tenant = slugPattern.test(slug) ? await findTenantBySlug(tx, slug) : undefined;
        if (tenant === undefined || tenant.id === defaultTenantId) return undefined;
        const hash = keyHash(tenant.id, apiKey);
        await insertApiKey(tx, tenant.id, hash);
        await revokeOtherApiKeys(tx, tenant.id, hash);
        return apiKey;
      });
    },
  };
}
