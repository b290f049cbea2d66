import type { Kysely, Selectable } from "kysely";
import type { AccountStore, PendingSignup } from "../../products/authenticator/authenticator.port.js";
import { upsertPasswordHash } from "../password/password.store.js";
import type { AuthenticatorSignupTable, Schema } from "../schema.js";
import { defaultSettingsValues } from "./settings.store.js";

/** The Authenticator API's passwords, sign-ups and the accounts they create, for one tenant. */
export function createAccountStore(db: Kysely<Schema>, tenantId: string): AccountStore<Kysely<Schema>> {
  return {
    async savePasswordHash(tx, userId, hash) {
      await upsertPasswordHash(tx, tenantId, userId, hash);
    },

    async insertSignup(tx, signup) {
      await tx
        .insertInto("authenticator_signups")
        .values({ token_id: signup.tokenId, tenant_id: tenantId, channel: signup.contact.channel, contact: signup.contact.address, password_hash: signup.passwordHash })
        .execute();
    },

    async findSignup(tokenId, tx) {
      const row = await (tx ?? db).selectFrom("authenticator_signups").selectAll().where("token_id", "=", tokenId).where("tenant_id", "=", tenantId).executeTakeFirst();
      return row === undefined ? undefined : signupOf(row);
    },

    async createAccount(tx, signup, userId) {
      // A taken contact is found after the user row was written: the caller's transaction rolls it back.
      const user = await tx.insertInto("users").values({ id: userId, tenant_id: tenantId, created_through: "authenticator" }).onConflict((conflict) => conflict.column("id").doNothing()).returning("id").executeTakeFirst();
      if (user === undefined) return false;
      const { channel, address } = signup.contact;
      const contact =
        channel === "email"
          ? await tx
              .insertInto("emails")
              .values({ tenant_id: tenantId, user_id: userId, address, verified: true, is_primary: true })
              .onConflict((conflict) => conflict.columns(["tenant_id", "address"]).doNothing())
              .returning("id")
              .executeTakeFirst()
          : await tx
              .insertInto("phone_numbers")
              .values({ tenant_id: tenantId, user_id: userId, number: address, verified: true })
              .onConflict((conflict) => conflict.columns(["tenant_id", "number"]).doNothing())
              .returning("id")
              .executeTakeFirst();
      if (contact === undefined) return false;
      if (signup.passwordHash !== null) await tx.insertInto("passwords").values({ user_id: userId, tenant_id: tenantId, hash: signup.passwordHash }).execute();
      await tx.insertInto("authenticator_settings").values(defaultSettingsValues(tenantId, userId)).execute();
      return true;
    },
  };
}

function signupOf(row: Selectable<AuthenticatorSignupTable>): PendingSignup {
  return { tokenId: row.token_id, contact: { channel: row.channel, address: row.contact }, passwordHash: row.password_hash };
}
