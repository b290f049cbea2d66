import { sql, type Kysely, type Transaction } from "kysely";
import type { IdentityLinkStore } from "../../federation/federation.port.js";
import type { Schema } from "../schema.js";

type Db = Kysely<Schema> | Transaction<Schema>;

/** The identities, users and emails of `tenantId`, as account linking uses them. */
export function createIdentityLinkStore(db: Kysely<Schema>, tenantId: string): IdentityLinkStore {
  return {
    transaction: (work) => db.transaction().execute((tx) => work(createIdentityLinkStore(tx, tenantId))),
    findLinkedUser: (provider, subject) => findIdentityUser(db, tenantId, provider, subject),
    touchIdentity: (identity) => touchIdentity(db, tenantId, identity.provider, identity.subject, identity.claims),
    link: (identity, userId, emailId) => insertIdentity(db, { tenantId, userId, provider: identity.provider, subject: identity.subject, emailId, claims: identity.claims }),
    findEmailOwner: (address) => findEmailOwner(db, tenantId, address),
    async createUser(address, verified, then) {
      const created = await insertUserWithPrimaryEmail(db, tenantId, address, verified);
      await then(db, created.userId);
      return created;
    },
  };
}

/** The user a provider identity is linked to. */
async function findIdentityUser(db: Db, tenantId: string, provider: string, subject: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("identities")
    .select("user_id")
    .where("tenant_id", "=", tenantId)
    .where("provider", "=", provider)
    .where("provider_user_id", "=", subject)
    .executeTakeFirst();
  return row?.user_id;
}

/** Refreshes what the provider said about a linked identity. */
async function touchIdentity(db: Db, tenantId: string, provider: string, subject: string, claims: Record<string, unknown>): Promise<void> {
  await db
    .updateTable("identities")
    .set({ data: JSON.stringify(claims), updated_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("provider", "=", provider)
    .where("provider_user_id", "=", subject)
    .execute();
}

/** Links a provider identity to a user. */
async function insertIdentity(db: Db, row: { tenantId: string; userId: string; provider: string; subject: string; emailId: string; claims: Record<string, unknown> }): Promise<void> {
  await db
    .insertInto("identities")
    .values({ tenant_id: row.tenantId, user_id: row.userId, provider: row.provider, provider_user_id: row.subject, email_id: row.emailId, data: JSON.stringify(row.claims) })
    .execute();
}

/** The email row holding `address` in the tenant. */
async function findEmailOwner(db: Db, tenantId: string, address: string): Promise<{ emailId: string; userId: string; verified: boolean } | undefined> {
  const row = await db.selectFrom("emails").select(["id", "user_id", "verified"]).where("tenant_id", "=", tenantId).where("address", "=", address).executeTakeFirst();
  return row === undefined ? undefined : { emailId: row.id, userId: row.user_id, verified: row.verified };
}

/** Creates a user whose primary address is `address`. */
async function insertUserWithPrimaryEmail(db: Db, tenantId: string, address: string, verified: boolean): Promise<{ userId: string; emailId: string }> {
  const user = await db.insertInto("users").values({ tenant_id: tenantId, created_through: "hanko" }).returning("id").executeTakeFirstOrThrow();
  const email = await db.insertInto("emails").values({ tenant_id: tenantId, user_id: user.id, address, is_primary: true, verified }).returning("id").executeTakeFirstOrThrow();
  return { userId: user.id, emailId: email.id };
}
