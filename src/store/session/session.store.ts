import { sql, type Kysely } from "kysely";
import { isUuid } from "../../core/errors/uuid.js";
import type { SessionStore } from "../../core/session/session.port.js";
import type { Schema } from "../schema.js";

/** The sessions table as the session tokens' port, for one tenant. */
export function createSessionStore(db: Kysely<Schema>, tenantId: string): SessionStore<Kysely<Schema>> {
  return {
    transaction: (work) => db.transaction().execute(work),
    insert: (session, tx) => insertSession(tx ?? db, { ...session, tenantId }),
    findLive: (id, at) => findLiveSession(db, tenantId, id, at),
    revoke: (id, tx) => revokeSession(tx ?? db, tenantId, id),
  };
}

/** Stores a new session. */
export async function insertSession(db: Kysely<Schema>, session: { id: string; tenantId: string; userId: string; expiresAt: Date }): Promise<void> {
  await db.insertInto("sessions").values({ id: session.id, tenant_id: session.tenantId, user_id: session.userId, expires_at: session.expiresAt }).execute();
}

/** The session `id` when it is neither revoked nor expired at `at`. */
export async function findLiveSession(db: Kysely<Schema>, tenantId: string, id: string, at: Date): Promise<{ sessionId: string; userId: string } | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom("sessions")
    .select(["id", "user_id"])
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", at)
    .executeTakeFirst();
  return row === undefined ? undefined : { sessionId: row.id, userId: row.user_id };
}

/** Revokes the tenant's session `id` and names its user; another tenant's session of that id is left alone. */
export async function revokeSession(db: Kysely<Schema>, tenantId: string, id: string): Promise<{ userId: string } | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .updateTable("sessions")
    .set({ revoked_at: sql<Date>`now()` })
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .where("revoked_at", "is", null)
    .returning("user_id")
    .executeTakeFirst();
  return row === undefined ? undefined : { userId: row.user_id };
}
