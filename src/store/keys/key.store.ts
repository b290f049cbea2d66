import { sql, type Kysely } from "kysely";
import type { PublicJwk, SigningKeyStore, StoredSigningKey } from "../../core/keys/signing-key.port.js";
import type { Schema } from "../schema.js";

/** The channel every change to the signing keys is announced on, so that replicas reload them at once. */
export const signingKeysChannel = "tessera_keys";

/**
 * The signing keys of `tenantId` in the `signing_keys` table. Adding or retiring a key sends
 * `NOTIFY tessera_keys` (inside a transaction: when it commits).
 */
export function createSigningKeyStore(db: Kysely<Schema>, tenantId: string): SigningKeyStore {
  return {
    async listActive() {
      const rows = await db
        .selectFrom("signing_keys")
        .selectAll()
        .where("tenant_id", "=", tenantId)
        .where("retired_at", "is", null)
        .orderBy("created_at", "desc")
        .orderBy("kid")
        .execute();
      return rows.map(
        (row): StoredSigningKey => ({ kid: row.kid, alg: row.alg, publicJwk: row.public_jwk as unknown as PublicJwk, sealedPrivateKey: row.private_key }),
      );
    },
    async insert(key) {
      await db
        .insertInto("signing_keys")
        .values({ kid: key.kid, tenant_id: tenantId, alg: key.alg, public_jwk: JSON.stringify(key.publicJwk), private_key: key.sealedPrivateKey })
        .execute();
      await announce(db);
    },
    async retire(kid) {
      const result = await db
        .updateTable("signing_keys")
        .set({ retired_at: sql<Date>`now()` })
        .where("tenant_id", "=", tenantId)
        .where("kid", "=", kid)
        .where("retired_at", "is", null)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) return false;
      await announce(db);
      return true;
    },
    exclusively(work) {
      return db.transaction().execute(async (tx) => {
        await sql`select pg_advisory_xact_lock(hashtext('tessera.signing_keys'))`.execute(tx);
        return work(createSigningKeyStore(tx, tenantId));
      });
    },
  };
}

function announce(db: Kysely<Schema>): Promise<unknown> {
  return sql`select pg_notify(${signingKeysChannel}, '')`.execute(db);
}
