import { sql, type Kysely, type Selectable } from "kysely";
import { knownTransports } from "../../core/webauthn/transports.js";
import type { Schema, WebauthnCredentialTable } from "../schema.js";

/** A credential row. */
export type CredentialRow = Selectable<WebauthnCredentialTable>;

/** The user's credentials, oldest first. */
export async function listCredentials(db: Kysely<Schema>, tenantId: string, userId: string): Promise<CredentialRow[]> {
  return db.selectFrom("webauthn_credentials").selectAll().where("tenant_id", "=", tenantId).where("user_id", "=", userId).orderBy("created_at").orderBy("id").execute();
}

/** A credential by its credential id. */
export async function findCredential(db: Kysely<Schema>, tenantId: string, credentialId: Uint8Array): Promise<CredentialRow | undefined> {
  return db.selectFrom("webauthn_credentials").selectAll().where("tenant_id", "=", tenantId).where("credential_id", "=", Buffer.from(credentialId)).executeTakeFirst();
}

/** Stores a new credential; undefined when the credential id is already registered. */
export async function insertCredential(
  db: Kysely<Schema>,
  credential: { tenantId: string; userId: string; credentialId: Uint8Array; publicKey: Uint8Array; signCount: number; transports: string[]; aaguid: string; backedUp: boolean },
): Promise<CredentialRow | undefined> {
  return db
    .insertInto("webauthn_credentials")
    .values({
      tenant_id: credential.tenantId,
      user_id: credential.userId,
      credential_id: Buffer.from(credential.credentialId),
      public_key: Buffer.from(credential.publicKey),
      sign_count: credential.signCount,
      transports: knownTransports(credential.transports),
      aaguid: credential.aaguid,
      backed_up: credential.backedUp,
      name: null,
      last_used_at: null,
    })
    .onConflict((conflict) => conflict.columns(["tenant_id", "credential_id"]).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Records a login: the new sign count, only if it still is the one the assertion was checked
 * against (two logins racing with one assertion cannot both pass).
 */
export async function recordLogin(db: Kysely<Schema>, id: string, previousCount: number, newCount: number): Promise<boolean> {
  const result = await db
    .updateTable("webauthn_credentials")
    .set({ sign_count: newCount, last_used_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where("id", "=", id)
    .where("sign_count", "=", previousCount)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Renames the user's credential (null clears the name); undefined when the user has no such credential. */
export async function renameCredential(db: Kysely<Schema>, tenantId: string, userId: string, credentialId: Uint8Array, name: string | null): Promise<CredentialRow | undefined> {
  return db
    .updateTable("webauthn_credentials")
    .set({ name, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("user_id", "=", userId)
    .where("credential_id", "=", Buffer.from(credentialId))
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the user's credential; false when the user has no such credential. */
export async function deleteCredential(db: Kysely<Schema>, tenantId: string, userId: string, credentialId: Uint8Array): Promise<boolean> {
  const result = await db.deleteFrom("webauthn_credentials").where("tenant_id", "=", tenantId).where("user_id", "=", userId).where("credential_id", "=", Buffer.from(credentialId)).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
