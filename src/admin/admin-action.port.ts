/** An operator's act through the admin API, as an audit trail records it. */
export interface AdminAction {
  /** `user.deleted`, `user.locked`, `user.unlocked`, `session.revoked`, `sessions.revoked`, `credential.deleted`, `webhook.created`, `webhook.updated`, `webhook.deleted`. */
  type: string;
  /** The user acted on; none for an act on what belongs to no user (an Authentiq key). */
  userId?: string;
  /** The admin key's id (AdminPrincipal.keyId). */
  actor: string;
  /** Further facts (the session or credential id, the lock reason); never a secret. */
  details: Record<string, string>;
}

/**
 * Where the admin handlers report each act: the audit trail plugs in here (a no-op until it
 * does). `tx` is the store's transaction of the act, so the act and its record commit or fail
 * together. Declared here, where it is used.
 */
export interface AdminActions {
  record(tx: unknown, action: AdminAction): Promise<void>;
}

/** Records nothing. */
export const noAdminActions: AdminActions = { record: () => Promise.resolve() };
