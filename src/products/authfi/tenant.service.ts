import { randomBytes, timingSafeEqual } from "node:crypto";
import type { SecretBox } from "../../core/keys/secret-box.js";
import { authfiError } from "./authfi-errors.js";
import type { AccessPoint, AccessPointState, AccessPointStore } from "./tenant.port.js";

export type { AccessPoint } from "./tenant.port.js";

/** What makes a new access point. */
export interface NewAccessPoint {
  slug: string;
  state?: AccessPointState;
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
  update(slug: string, changes: { state?: AccessPointState; userCap?: number | null }): Promise<AccessPoint | undefined>;
  /** Gives the access point a new random API key and revokes every other; undefined when unknown. */
  rotateKey(slug: string): Promise<string | undefined>;
}

const slugPattern = /^[A-Za-z0-9_-]{1,128}$/;

/** Creates the access point service. */
export function createAccessPointService(deps: { store: AccessPointStore; secrets: SecretBox }): AccessPointService {
  const { store, secrets } = deps;
  // The key's HMAC is bound to its tenant, so one key string never opens two access points.
  const keyHash = (tenantId: string, apiKey: string) => secrets.hash(apiKey, `authfi-api-key:${tenantId}`);
  const refused = () => authfiError("unauthenticated", "API key or access point not accepted");
  // An unknown access point is hashed and looked up too, as the default tenant (which has no
  // API keys): the timing says little.
  const unknownTenant = "00000000-0000-0000-0000-000000000000";

  return {
    async authenticate(slug, apiKey) {
      const accessPoint = slugPattern.test(slug) ? await store.find(slug) : undefined;
      const actual = keyHash(accessPoint?.tenantId ?? unknownTenant, apiKey ?? "");
      // The same two queries either way.
      const keys = await store.activeKeyHashes(accessPoint?.tenantId ?? unknownTenant);
      const stored = accessPoint === undefined ? [Buffer.alloc(actual.length)] : keys;
      let matched = false;
      for (const hash of stored) matched = (hash.length === actual.length && timingSafeEqual(hash, actual)) || matched;
      if (accessPoint === undefined || !matched || apiKey === null || apiKey === "") throw refused();
      if (accessPoint.state === "suspended") throw authfiError("blocked", "the access point is suspended");
      return accessPoint;
    },

    async create(options) {
      if (!slugPattern.test(options.slug)) throw new Error("an access point is 1 to 128 letters, digits, '-' or '_'");
      const apiKey = options.apiKey ?? randomBytes(32).toString("base64url");
      return store.transaction(async (tx) => {
        const accessPoint = await tx.insert({ slug: options.slug, state: options.state ?? "active", userCap: options.userCap ?? null });
        if (accessPoint === undefined) return undefined;
        await tx.addKey(accessPoint.tenantId, keyHash(accessPoint.tenantId, apiKey));
        return { accessPoint, apiKey };
      });
    },

    async ensure(slug, apiKey) {
      if (!slugPattern.test(slug)) throw new Error("AUTHFI_ACCESS_POINT must be 1 to 128 letters, digits, '-' or '_'");
      return store.transaction(async (tx) => {
        const accessPoint = (await tx.insert({ slug, state: "active", userCap: null })) ?? (await tx.find(slug));
        if (accessPoint === undefined) throw new Error(`AUTHFI_ACCESS_POINT "${slug}" is taken`);
        const hash = keyHash(accessPoint.tenantId, apiKey);
        await tx.addKey(accessPoint.tenantId, hash);
        return tx.revokeOtherKeys(accessPoint.tenantId, hash);
      });
    },

    async update(slug, changes) {
      return slugPattern.test(slug) ? store.update(slug, changes) : undefined;
    },

    async rotateKey(slug) {
      const apiKey = randomBytes(32).toString("base64url");
      return store.transaction(async (tx) => {
        const accessPoint = slugPattern.test(slug) ? await tx.find(slug) : undefined;
        if (accessPoint === undefined) return undefined;
        const hash = keyHash(accessPoint.tenantId, apiKey);
        await tx.addKey(accessPoint.tenantId, hash);
        await tx.revokeOtherKeys(accessPoint.tenantId, hash);
        return apiKey;
      });
    },
  };
}
