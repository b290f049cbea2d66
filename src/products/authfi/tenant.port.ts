/** The state of an AuthFi access point. */
export type AccessPointState = "active" | "trial" | "suspended";

/** An AuthFi access point: a tenant of its own, with its state and optional user cap. */
export interface AccessPoint {
  tenantId: string;
  slug: string;
  state: AccessPointState;
  userCap: number | null;
}

/** Where the access points and the HMACs of their API keys are kept. */
export interface AccessPointStore {
  /** Runs `work` in one transaction. */
  transaction<T>(work: (store: AccessPointStore) => Promise<T>): Promise<T>;
  /** The access point `slug`; the default tenant (which serves the other APIs) is never one. */
  find(slug: string): Promise<AccessPoint | undefined>;
  /** Creates an access point; undefined when the slug is taken. */
  insert(accessPoint: { slug: string; state: AccessPointState; userCap: number | null }): Promise<AccessPoint | undefined>;
  /** Sets state and cap (each only when given); undefined when there is no such access point. */
  update(slug: string, changes: { state?: AccessPointState; userCap?: number | null }): Promise<AccessPoint | undefined>;
  /** The HMACs of the tenant's API keys that are not revoked (none for the default tenant). */
  activeKeyHashes(tenantId: string): Promise<Uint8Array[]>;
  /** Stores an API key's HMAC, live again if it was revoked. */
  addKey(tenantId: string, keyHash: Uint8Array): Promise<void>;
  /** Revokes the tenant's live keys other than `keepHash`; returns how many. */
  revokeOtherKeys(tenantId: string, keepHash: Uint8Array): Promise<number>;
}
