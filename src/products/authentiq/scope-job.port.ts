/** Where a scope job stands: waiting for its owner's confirmation, confirmed, or signed. */
export type ScopeJobStatus = "waiting" | "confirmed" | "ready";

/** A scope verification job, known by the keyed hash of its id. */
export interface ScopeJob {
  jobHash: Uint8Array;
  /** The key that asked for it. */
  pk: string;
  test: boolean;
  status: ScopeJobStatus;
  /** The claims the issuer vouches for (and, once signed, the claims it signed). */
  claims: Record<string, unknown>;
  /** The signed JWT, once there is one. */
  jwt: string | null;
}

/** A job to open. */
export interface NewScopeJob {
  jobHash: Uint8Array;
  pk: string;
  test: boolean;
  /** The keyed hash of the address the job confirms. */
  addressHash: Uint8Array;
  claims: Record<string, unknown>;
  expiresAt: Date;
}

/**
 * Where one tenant's scope jobs are kept (implemented in `src/store/authentiq/`). `Tx` is the
 * store's transaction (from `RunInTransaction<Tx>`); a live job is one not deleted and not
 * expired at the given time.
 */
export interface ScopeJobStore<Tx> {
  /** Stores a new waiting job in `tx`. */
  insert(tx: Tx, job: NewScopeJob): Promise<void>;
  /** The live job. */
  findLive(jobHash: Uint8Array, at: Date): Promise<ScopeJob | undefined>;
  /** The live job, locked for the rest of `tx`. */
  lockLive(tx: Tx, jobHash: Uint8Array, at: Date): Promise<ScopeJob | undefined>;
  /** Moves a waiting job to confirmed (a confirmed or signed one stays as it is). */
  confirm(jobHash: Uint8Array): Promise<void>;
  /** Records the signed claims and JWT in `tx`. */
  markSigned(tx: Tx, jobHash: Uint8Array, claims: Record<string, unknown>, jwt: string): Promise<void>;
  /** Deletes a live job; false when it was not live. */
  remove(jobHash: Uint8Array, at: Date): Promise<boolean>;
}
