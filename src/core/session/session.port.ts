import type { RunInTransaction } from "../transaction.port.js";

/**
 * What the session tokens need stored: one row per session, so that logout revokes it. `Tx` is
 * the store's transaction: a session issued or revoked commits with its audit event.
 */
export interface SessionStore<Tx = unknown> {
  transaction: RunInTransaction<Tx>;
  insert(session: { id: string; userId: string; expiresAt: Date }, tx?: Tx): Promise<void>;
  /** The session `id` when it is neither revoked nor expired at `at`. */
  findLive(id: string, at: Date): Promise<{ sessionId: string; userId: string } | undefined>;
  /** Revokes the live session `id`; its user when one was revoked, undefined when none was live. */
  revoke(id: string, tx?: Tx): Promise<{ userId: string } | undefined>;
}
