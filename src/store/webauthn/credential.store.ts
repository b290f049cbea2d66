import { sql, type Kysely, type Selectable } from "kysely";
import type { WebauthnCredential } from "../../core/webauthn/credential.js";
import type { CredentialStore } from "../../core/webauthn/credential.port.js";
import { knownTransports } from "../../core/webauthn/transports.js";
import type { Schema, WebauthnCredentialTable } from "../schema.js";

/** The WebAuthn credential store over `webauthn_credentials` (`db` may be a transaction). */
export function createCredentialStore(db: Kysely<Schema>): CredentialStore {
  return {
    async list(tenantId, userId, products) {
      if (products.length === 0) return [];
      const rows = await db
        .selectFrom("webauthn_credentials")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("user_id", "=", userId)
        .where("product", "in", products)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(fromRow);
    },

    async find(tenantId, credentialId, products) {
      if (products.length === 0) return undefined;
      const row = await db.selectFrom("webauthn_credentials").selectAll().where("tenant_id", "=", tenantId).where("credential_id", "=", bytes(credentialId)).where("product", "in", products).executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async insert(tenantId, credential, limit) {
      const insert = async (tx: Kysely<Schema>) => {
        // The user's row lock makes counting and inserting one step across replicas. FOR NO KEY
        // UPDATE: FOR UPDATE would also block every insert referencing the user (sessions, codes,
        // the credential itself from another transaction) and can deadlock with them.
        await tx.selectFrom("users").select("id").where("id", "=", credential.userId).forNoKeyUpdate().executeTakeFirst();
        if (limit.products.length > 0) {
          const held = await tx
            .selectFrom("webauthn_credentials")
            .select(sql<number>`count(*)::int`.as("n"))
            .where("tenant_id", "=", tenantId)
            .where("user_id", "=", credential.userId)
            .where("product", "in", limit.products)
            .executeTakeFirstOrThrow();
          if (held.n >= limit.max) return { refused: "limit" as const };
        }
        const row = await tx
          .insertInto("webauthn_credentials")
          .values({
            tenant_id: tenantId,
            user_id: credential.userId,
            product: credential.product,
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

    async rename(tenantId, userId, credentialId, name, products) {
      if (products.length === 0) return undefined;
      const row = await db
        .updateTable("webauthn_credentials")
        .set({ name, updated_at: sql<Date>`now()` })
        .where("tenant_id", "=", tenantId)
        .where("user_id", "=", userId)
        .where("credential_id", "=", bytes(credentialId))
        .where("product", "in", products)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : fromRow(row);
    },

    async remove(tenantId, userId, credentialId, products) {
      if (products.length === 0) return false;
      const result = await db
        .deleteFrom("webauthn_credentials")
        .where("tenant_id", "=", tenantId)
        .where("user_id", "=", userId)
        .where("credential_id", "=", bytes(credentialId))
        .where("product", "in", products)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
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

/** A base64url credential id as the column's bytes. */
function bytes(credentialId: string): Buffer {
  return Buffer.from(credentialId, "base64url");
}

function fromRow(row: Selectable<WebauthnCredentialTable>): WebauthnCredential {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    product: row.product,
    credentialId: Buffer.from(row.credential_id).toString("base64url"),
    publicKey: new Uint8Array(row.public_key),
    signCount: Number(row.sign_count),
    transports: knownTransports(row.transports),
    aaguid: row.aaguid,
    backedUp: row.backed_up,
    userHandle: row.user_handle === null ? null : Buffer.from(row.user_handle).toString("base64url"),
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    updatedAt: row.updated_at,
  };
}
