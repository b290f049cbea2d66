import type { Kysely } from "kysely";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import type { Schema } from "../schema.js";

/** The phone reads of the identity store, for one tenant. */
export interface PhoneStore extends Pick<IdentityStore<Kysely<Schema>>, "findUserIdByPhone"> {
  /** The user's first phone number. */
  findFirstPhone(userId: string): Promise<string | undefined>;
}

/** The users' phone numbers in the tenant's `phone_numbers` rows. */
export function createPhoneStore(db: Kysely<Schema>, tenantId: string): PhoneStore {
  return {
    async findUserIdByPhone(number) {
      const row = await db.selectFrom("phone_numbers").select("user_id").where("tenant_id", "=", tenantId).where("number", "=", number).executeTakeFirst();
      return row?.user_id;
    },
    async findFirstPhone(userId) {
      const row = await db.selectFrom("phone_numbers").select("number").where("tenant_id", "=", tenantId).where("user_id", "=", userId).orderBy("created_at").executeTakeFirst();
      return row?.number;
    },
  };
}
