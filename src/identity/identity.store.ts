import { sql, type Kysely } from "kysely";
import type { Schema } from "../store/schema.js";

/** A user found by one of their email addresses. */
export interface UserByEmail {
  userId: string;
  emailId: string;
  verified: boolean;
  hasWebauthnCredential: boolean;
}

/** Creates a user holding one primary email; undefined when the address is taken. */
export async function insertUserWithEmail(
  db: Kysely<Schema>,
  tenantId: string,
  address: string,
): Promise<{ userId: string; emailId: string } | undefined> {
  return db.transaction().execute(async (tx) => {
    const user = await tx.insertInto("users").values({ tenant_id: tenantId }).returning("id").executeTakeFirstOrThrow();
    const email = await tx
      .insertInto("emails")
      .values({ tenant_id: tenantId, user_id: user.id, address, is_primary: true, verified: false })
      .onConflict((conflict) => conflict.columns(["tenant_id", "address"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    if (email === undefined) {
      // Roll the user back with the transaction: nothing half-written stays behind.
      throw new AddressTaken();
    }
    return { userId: user.id, emailId: email.id };
  }).catch((error: unknown) => {
    if (error instanceof AddressTaken) return undefined;
    throw error;
  });
}

class AddressTaken extends Error {}

/** Finds the user holding `address` in the tenant. */
export async function findUserByEmail(db: Kysely<Schema>, tenantId: string, address: string): Promise<UserByEmail | undefined> {
  const row = await db
    .selectFrom("emails")
    .select([
      "emails.user_id",
      "emails.id",
      "emails.verified",
      sql<boolean>`exists (select 1 from webauthn_credentials c where c.user_id = emails.user_id)`.as("has_webauthn_credential"),
    ])
    .where("emails.tenant_id", "=", tenantId)
    .where("emails.address", "=", address)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { userId: row.user_id, emailId: row.id, verified: row.verified, hasWebauthnCredential: row.has_webauthn_credential };
}
