import type { Kysely } from "kysely";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import type { Schema } from "../schema.js";
import { createEmailStore } from "./email.store.js";
import { createPhoneStore } from "./phone.store.js";
import { createUserStore } from "./user.store.js";

/** The identity store of one tenant: its users, their email addresses and phone numbers. */
export function createIdentityStore(db: Kysely<Schema>, tenantId: string): IdentityStore<Kysely<Schema>> {
  const emails = createEmailStore(db, tenantId);
  const { findFirstPhone, ...phones } = createPhoneStore(db, tenantId);
  return {
    ...createUserStore(db, tenantId),
    ...emails,
    ...phones,
    findContactAddress: async (userId) => (await emails.findPrimaryEmail(userId))?.address ?? (await findFirstPhone(userId)),
  };
}
