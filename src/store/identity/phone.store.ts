import type { Kysely } from "kysely";
import type { Schema } from "../schema.js";

/** The id of the user holding `number` in the tenant. */
export async function findUserIdByPhone(db: Kysely<Schema>, tenantId: string, number: string): Promise<string | undefined> {
  const row = await db.selectFrom("phone_numbers").select("user_id").where("tenant_id", "=", tenantId).where("number", "=", number).executeTakeFirst();
  return row?.user_id;
}

/** The user's first phone number. */
export async function findPhone(db: Kysely<Schema>, tenantId: string, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom("phone_numbers").select("number").where("tenant_id", "=", tenantId).where("user_id", "=", userId).orderBy("created_at").executeTakeFirst();
  return row?.number;
}

/** Adds a phone number to the user; false when the tenant already has it. */
export async function insertPhone(db: Kysely<Schema>, phone: { tenantId: string; userId: string; number: string; verified: boolean }): Promise<boolean> {
  const row = await db
    .insertInto("phone_numbers")
    .values({ tenant_id: phone.tenantId, user_id: phone.userId, number: phone.number, verified: phone.verified })
    .onConflict((conflict) => conflict.columns(["tenant_id", "number"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}
