import { sql, type Kysely } from "kysely";
import type { LoginStateStore } from "../../federation/federation.port.js";
import type { Schema } from "../schema.js";

/** The login states of `tenantId` in `thirdparty_states`. */
export function createLoginStateStore(db: Kysely<Schema>, tenantId: string): LoginStateStore {
  return {
    async insert(state, ttlSeconds) {
      await db
        .insertInto("thirdparty_states")
        .values({
          tenant_id: tenantId,
          state_hash: state.stateHash,
          protocol: state.protocol,
          provider: state.provider,
          redirect_to: state.redirectTo,
          code_verifier: state.sealedCodeVerifier ?? null,
          nonce: state.nonce ?? null,
          expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})`,
        })
        .execute();
    },
    async consume(stateHash, protocol) {
      const row = await db
        .updateTable("thirdparty_states")
        .set({ used_at: sql<Date>`now()` })
        .where("state_hash", "=", stateHash)
        .where("tenant_id", "=", tenantId)
        .where("protocol", "=", protocol)
        .where("used_at", "is", null)
        .where("expires_at", ">", sql<Date>`now()`)
        .returning(["provider", "redirect_to", "code_verifier", "nonce"])
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return { stateHash, protocol, provider: row.provider, redirectTo: row.redirect_to, sealedCodeVerifier: row.code_verifier ?? undefined, nonce: row.nonce ?? undefined };
    },
  };
}
