/** What the session tokens need stored: one row per session, so that logout revokes it. */
export interface SessionStore {
  insert(session: { id: string; userId: string; expiresAt: Date }): Promise<void>;
  /** The session `id` when it is neither revoked nor expired at `at`. */
  findLive(id: string, at: Date): Promise<{ sessionId: string; userId: string } | undefined>;
  /** Revokes the live session `id`; its user when one was revoked, undefined when none was live. */
  revoke(id: string): Promise<{ userId: string } | undefined>;
}
