import { sql, type Kysely, type Selectable } from "kysely";
import { isUuid } from "../../core/errors/uuid.js";
import type { AuthenticatorTokenTable, Schema } from "../schema.js";

/** A token row. */
export type TokenRow = Selectable<AuthenticatorTokenTable>;

/** Stores a token. */
export async function insertToken(
  db: Kysely<Schema>,
  token: { id: string; tenantId: string; userId: string; state: TokenRow["state"]; clientHash: Uint8Array; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto("authenticator_tokens")
    .values({
      id: token.id,
      tenant_id: token.tenantId,
      user_id: token.userId,
      state: token.state,
      client_hash: Buffer.from(token.clientHash),
      expires_at: token.expiresAt,
      used_at: null,
      revoked_at: null,
    })
    .execute();
}

/** The token `id` when it is neither used, revoked nor expired at `at`. */
export async function findLiveToken(db: Kysely<Schema>, tenantId: string, id: string, at: Date): Promise<TokenRow | undefined> {
  if (!isUuid(id)) return undefined;
  return liveToken(db, tenantId, id, at).executeTakeFirst();
}

/** The live token `id`, locked for the rest of the transaction. */
export async function lockLiveToken(db: Kysely<Schema>, tenantId: string, id: string, at: Date): Promise<TokenRow | undefined> {
  return liveToken(db, tenantId, id, at).forUpdate().executeTakeFirst();
}

// A sign-up token names a user its code will create; any other token dies with its user.
function liveToken(db: Kysely<Schema>, tenantId: string, id: string, at: Date) {
  return db
    .selectFrom("authenticator_tokens as t")
    .selectAll("t")
    .where("t.id", "=", id)
    .where("t.tenant_id", "=", tenantId)
    .where("t.used_at", "is", null)
    .where("t.revoked_at", "is", null)
    .where("t.expires_at", ">", at)
    .where((eb) => eb.or([eb("t.state", "=", "unverified"), eb.exists(eb.selectFrom("users").select("users.id").whereRef("users.id", "=", "t.user_id"))]));
}

/** Marks a token used: the step it answered is done, it cannot answer again. */
export async function markTokenUsed(db: Kysely<Schema>, id: string): Promise<void> {
  await db.updateTable("authenticator_tokens").set({ used_at: sql<Date>`now()` }).where("id", "=", id).execute();
}

/** Revokes the token `id` (its code was burned by wrong answers). */
export async function revokeToken(db: Kysely<Schema>, id: string): Promise<void> {
  await db.updateTable("authenticator_tokens").set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` }).where("id", "=", id).execute();
}

/** Revokes the user's token `id`; false when the user has no such token. */
export async function revokeUserToken(db: Kysely<Schema>, tenantId: string, userId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const row = await db
    .updateTable("authenticator_tokens")
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
    .where("id", "=", id)
    .where("tenant_id", "=", tenantId)
    .where("user_id", "=", userId)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/** Revokes every live token of the user but `keptId` (after a password change). */
export async function revokeOtherTokens(db: Kysely<Schema>, tenantId: string, userId: string, keptId: string): Promise<void> {
  await db
    .updateTable("authenticator_tokens")
    .set({ revoked_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("user_id", "=", userId)
    .where("id", "!=", keptId)
    .where("revoked_at", "is", null)
    .where("used_at", "is", null)
    .execute();
}
