import { sql, type Kysely } from "kysely";
import type { AuthentiqKeyDirectory } from "../../admin/authentiq-key-directory.port.js";
import { createAuthentiqKeyStore } from "../authentiq/key.store.js";
import type { Schema } from "../schema.js";

/** The operator's view of the Authentiq keys of `tenantId`; a revocation is the owner's own (the product's store). */
export function createAuthentiqKeyDirectory(db: Kysely<Schema>, tenantId: string): AuthentiqKeyDirectory {
  const keys = createAuthentiqKeyStore(db, tenantId);
  return {
    async list(query) {
      let select = db
        .selectFrom("authentiq_keys")
        .select([
          "pk",
          "created_at",
          "revoked_at",
          "devtoken",
          sql<boolean>`email_hash is not null`.as("contact_bound"),
          sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as("created_key"),
        ])
        .where("tenant_id", "=", tenantId);
      if (!query.includeRevoked) select = select.where("revoked_at", "is", null);
      const after = query.after;
      if (after !== undefined) select = select.where(sql<boolean>`(created_at, pk) < (${after.createdAt}::timestamptz, ${after.pk})`);
      const rows = await select.orderBy("created_at", "desc").orderBy("pk", "desc").limit(query.limit).execute();
      return rows.map((row) => ({
        pk: row.pk,
        createdAt: row.created_at,
        revokedAt: row.revoked_at ?? undefined,
        contactBound: row.contact_bound,
        pushRegistered: row.devtoken !== null && row.devtoken !== "",
        position: { createdAt: row.created_key, pk: row.pk },
      }));
    },
    revoke: (pk, then) => keys.revoke(pk, then),
  };
}
