import { sql, type Kysely } from "kysely";
import type { UsedTotpSteps } from "../../core/totp/used-step.port.js";
import type { Schema } from "../schema.js";

/** The tables that hold a TOTP secret and its last used step, with the column naming the secret's holder. */
const places = {
  /** Jincor's google_auth secrets, one per consumer. */
  jincor: { table: "verify_totp_secrets", holder: "consumer", step: "last_used_step" },
  /** The Authenticator API's TOTP factor, one per user. */
  authenticator: { table: "authenticator_settings", holder: "user_id", step: "totp_last_used_step" },
} as const;

/** Which product's TOTP secrets. */
export type TotpPlace = keyof typeof places;

/** The used TOTP steps of one tenant's secrets in `place`, through `db` (a transaction's, where the caller holds one). */
export function createUsedTotpSteps(db: Kysely<Schema>, tenantId: string, place: TotpPlace): UsedTotpSteps {
  const { table, holder, step: column } = places[place];
  return {
    async claim(holderId, step) {
      // One conditional UPDATE: of two concurrent claims of one step, the second finds the row's step no longer lower.
      const result = await sql<{ claimed: number }>`
        update ${sql.table(table)} set ${sql.ref(column)} = ${step}
        where tenant_id = ${tenantId} and ${sql.ref(holder)} = ${holderId}
          and (${sql.ref(column)} is null or ${sql.ref(column)} < ${step})
        returning 1 as claimed`.execute(db);
      return result.rows.length === 1;
    },
  };
}
