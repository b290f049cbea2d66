import { sql, type Kysely, type Selectable } from "kysely";
import type { WebauthnCredential } from "../../core/webauthn/credential.js";
import type { CredentialStore } from "../../core/webauthn/credential.port.js";
import { knownTransports } from "../../core/webauthn/transports.js";
import type { Schema, WebauthnCredentialTable } from "../schema.js";

/** The WebAuthn credential store over `webauthn_credentials` (`db` may be a transaction). */
export function createCredentialStore(db: Kysely<Schema>): CredentialStore {
  return {
    list: (tenantId, userId) => listCredentials(db, tenantId, userId),

    async find(tenantId, credentialId) {
      const row = await db.selectFrom("webauthn_credentials").selectAll().where("tenant_id", "=", tenantId).where("credential_id", "=", bytes(credentialId)).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async insert(tenantId, credential, maxPerUser) {
      const insert = async (tx: Kysely<Schema>) => {
        // The user's row lock makes counting and inserting one step across replicas.
        await tx.selectFrom("users").select("id").where("id", "=", credential.userId).forUpdate().executeTakeFirst();
        const held = await tx.selectFrom("webauthn_credentials").select(sql<number>`count(*)::int`.as("n")).where("tenant_id", "=", tenantId).where("user_id", "=", credential.userId).executeTakeFirstOrThrow();
        if (held.n >= maxPerUser) return { refused: "limit" as const };
        const row = await tx
          .insertInto("webauthn_credentials")
          .values({
            tenant_id: tenantId,
            user_id: credential.userId,
            credential_id: bytes(credential.credentialId),
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
        return row === undefined ? { refused: "exists" as const } : { stored: fromRow(row) };
      };
      return db.isTransaction ? insert(db) : db.transaction().execute(insert);
    },

    async recordSignCount(id, previous, next, now) {
      const result = await db
        .updateTable("webauthn_credentials")
        .set({ sign_count: next, last_used_at: now, updated_at: now })
        .where("id", "=", id)
        .where("sign_count", "=", previous)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

/** The user's credentials, oldest first. */
export async function listCredentials(db: Kysely<Schema>, tenantId: string, userId: string): Promise<WebauthnCredential[]> {
  const rows = await db.selectFrom("webauthn_credentials").selectAll().where("tenant_id", "=", tenantId).where("user_id", "=", userId).orderBy("created_at").orderBy("id").execute();
  return rows.map(fromRow);
}

/** Renames the user's credential (null clears the name); undefined when the user has no such credential. */
export async function renameCredential(db: Kysely<Schema>, tenantId: string, userId: string, credentialId: string, name: string | null): Promise<WebauthnCredential | undefined> {
  const row = await db
    .updateTable("webauthn_credentials")
    .set({ name, updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("user_id", "=", userId)
    .where("credential_id", "=", bytes(credentialId))
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

/** Deletes the user's credential; false when the user has no such credential. */
export async function deleteCredential(db: Kysely<Schema>, tenantId: string, userId: string, credentialId: string): Promise<boolean> {
  const result = await db.deleteFrom("webauthn_credentials").where("tenant_id", "=", tenantId).where("user_id", "=", userId).where("credential_id", "=", bytes(credentialId)).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A base64url credential id as the column's bytes. */
function bytes(credentialId: string): Buffer {
  return Buffer.from(credentialId, "base64url");
}

function fromRow(row: Selectable<WebauthnCredentialTable>): WebauthnCredential {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    credentialId: Buffer.from(row.credential_id).toString("base64url"),
    publicKey: new Uint8Array(row.public_key),
    signCount: Number(row.sign_count),
    transports: knownTransports(row.transports),
    aaguid: row.aaguid,
    backedUp: row.backed_up,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    updatedAt: row.updated_at,
  };
}
