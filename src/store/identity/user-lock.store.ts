import { sql, type Kysely } from "kysely";
import type { UserLocks } from "../../core/identity/user-lock.js";
import { isUuid } from "../../core/errors/uuid.js";
import type { Schema } from "../schema.js";

/** The locks of users of every tenant, as the core asks them. */
export function createUserLockStore(db: Kysely<Schema>): UserLocks<Kysely<Schema>> {
  return {
    async isLocked(userId, tx) {
      if (!isUuid(userId)) return false;
      const row = await (tx ?? db).selectFrom("users").select("locked_at").where("id", "=", userId).executeTakeFirst();
      return row?.locked_at != null;
    },
  };
}

/** Locks a user (keeping the first lock's time); false when there is no such user. */
export async function lockUser(db: Kysely<Schema>, userId: string, reason: string): Promise<boolean> {
  const row = await db
    .updateTable("users")
    .set({ locked_at: sql<Date>`coalesce(locked_at, now())`, lock_reason: reason === "" ? null : reason, updated_at: sql<Date>`now()` })
    .where("id", "=", userId)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Lifts a user's lock; false when there is no such user. */
export async function unlockUser(db: Kysely<Schema>, userId: string): Promise<boolean> {
  const row = await db.updateTable("users").set({ locked_at: null, lock_reason: null, updated_at: sql<Date>`now()` }).where("id", "=", userId).returning("id").executeTakeFirst();
  return row !== undefined;
}
