import { sql, type ExpressionBuilder, type Kysely } from "kysely";
import type { DirectoryCredential, DirectorySession, DirectoryUser, InActTransaction, UserDirectory, UserQuery } from "../../admin/user-directory.port.js";
import { lockUser, unlockUser } from "../identity/user-lock.store.js";
import { defaultTenantId, type Schema } from "../schema.js";

type Users = ExpressionBuilder<Schema, "users">;

/**
 * Which products a user came through: the one it was created through (`users.created_through`),
 * and any other it used since, from what it left there: an AuthFi access point's tenant is
 * AuthFi's; WebAuthn credentials name their product; Authenticator API settings or tokens are the
 * Authenticator API's; Hanko sessions, passwords and linked identities are Hanko's.
 */
const productEvidence: Record<string, (eb: Users) => ReturnType<Users["exists"]> | ReturnType<Users["and"]>> = {
  authfi: (eb) => eb.and([eb("users.tenant_id", "!=", defaultTenantId)]),
  authenticator: (eb) =>
    eb.or([
      eb.exists(eb.selectFrom("authenticator_settings as s").select("s.user_id").whereRef("s.user_id", "=", "users.id")),
      eb.exists(eb.selectFrom("authenticator_tokens as t").select("t.id").whereRef("t.user_id", "=", "users.id")),
      eb.exists(eb.selectFrom("webauthn_credentials as w").select("w.id").whereRef("w.user_id", "=", "users.id").where("w.product", "=", "authenticator")),
    ]) as never,
  hanko: (eb) =>
    eb.or([
      eb.exists(eb.selectFrom("sessions as h").select("h.id").whereRef("h.user_id", "=", "users.id")),
      eb.exists(eb.selectFrom("passwords as p").select("p.user_id").whereRef("p.user_id", "=", "users.id")),
      eb.exists(eb.selectFrom("identities as i").select("i.id").whereRef("i.user_id", "=", "users.id")),
      eb.exists(eb.selectFrom("webauthn_credentials as w").select("w.id").whereRef("w.user_id", "=", "users.id").where("w.product", "=", "hanko")),
    ]) as never,
};

/** The product names ListUsers filters by. */
export const directoryProducts: readonly string[] = Object.keys(productEvidence);

/** The operator's user directory over every tenant. */
export function createUserDirectory(db: Kysely<Schema>): UserDirectory {
  const selectUsers = () =>
    db
      .selectFrom("users")
      .select((eb) => [
        "users.id",
        "users.tenant_id",
        "users.created_at",
        "users.locked_at",
        "users.created_through",
        sql<string>`to_char(users.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as("created_key"),
        eb.selectFrom("emails as e").select("e.address").whereRef("e.user_id", "=", "users.id").orderBy("e.is_primary", "desc").orderBy("e.created_at").limit(1).as("email"),
        eb.selectFrom("phone_numbers as n").select("n.number").whereRef("n.user_id", "=", "users.id").orderBy("n.created_at").limit(1).as("phone"),
        ...directoryProducts.map((product) => productEvidence[product]!(eb).as(`is_${product}`)),
      ]);
  const toUser = (row: Record<string, unknown>): DirectoryUser => ({
    id: row.id as string,
    tenantId: row.tenant_id as string,
    createdAt: new Date(row.created_at as Date),
    email: (row.email as string | null) ?? undefined,
    phone: (row.phone as string | null) ?? undefined,
    products: directoryProducts.filter((product) => row.created_through === product || row[`is_${product}`] === true),
    locked: row.locked_at != null,
    position: { createdAt: row.created_key as string, id: row.id as string },
  });
  // An act of one transaction: `then` (its audit record) runs in it when the act found its target.
  const actAndThen = (act: (tx: Kysely<Schema>) => Promise<boolean>, then: InActTransaction) =>
    db.transaction().execute(async (tx) => {
      if (!(await act(tx))) return false;
      await then(tx);
      return true;
    });
  return {
    async listUsers(query: UserQuery) {
      let select = selectUsers();
      if (query.email !== undefined) {
        const address = query.email.toLowerCase();
        select = select.where((eb) => eb.exists(eb.selectFrom("emails as f").select("f.id").whereRef("f.user_id", "=", "users.id").where(sql`lower(f.address)`, "=", address)));
      }
      if (query.phone !== undefined) {
        const number = query.phone;
        select = select.where((eb) => eb.exists(eb.selectFrom("phone_numbers as g").select("g.id").whereRef("g.user_id", "=", "users.id").where("g.number", "=", number)));
      }
      if (query.product !== undefined) {
        const product = query.product;
        const evidence = productEvidence[product];
        if (evidence === undefined) return [];
        select = select.where((eb) => eb.or([eb("users.created_through", "=", product), evidence(eb) as never]));
      }
      if (query.createdAfter !== undefined) select = select.where("users.created_at", ">=", query.createdAfter);
      if (query.createdBefore !== undefined) select = select.where("users.created_at", "<", query.createdBefore);
      const after = query.after;
      if (after !== undefined) select = select.where(sql<boolean>`(users.created_at, users.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
      const rows = await select.orderBy("users.created_at", "desc").orderBy("users.id", "desc").limit(query.limit).execute();
      return rows.map((row) => toUser(row as Record<string, unknown>));
    },
    async findUser(userId) {
      const row = await selectUsers().where("users.id", "=", userId).executeTakeFirst();
      return row === undefined ? undefined : toUser(row as Record<string, unknown>);
    },
    async contacts(userId) {
      const emails = await db.selectFrom("emails").select(["address", "verified", "is_primary"]).where("user_id", "=", userId).orderBy("created_at").execute();
      const phones = await db.selectFrom("phone_numbers").select(["number", "verified"]).where("user_id", "=", userId).orderBy("created_at").execute();
      return [
        ...emails.map((row) => ({ type: "email" as const, value: row.address, verified: row.verified, primary: row.is_primary })),
        ...phones.map((row) => ({ type: "phone" as const, value: row.number, verified: row.verified, primary: false })),
      ];
    },
    async factors(userId) {
      const settings = await db.selectFrom("authenticator_settings").select(["is_code_allowed", "is_totp_allowed", "is_device_allowed", "totp_secret"]).where("user_id", "=", userId).executeTakeFirst();
      const password = await db.selectFrom("passwords").select("user_id").where("user_id", "=", userId).executeTakeFirst();
      return {
        codeAllowed: settings?.is_code_allowed ?? true,
        totpAllowed: settings?.is_totp_allowed ?? false,
        deviceAllowed: settings?.is_device_allowed ?? false,
        totpEnrolled: settings?.totp_secret != null,
        passwordSet: password !== undefined,
      };
    },
    async liveSessions(userId, at) {
      const sessions = await db.selectFrom("sessions").select(["id", "created_at", "expires_at"]).where("user_id", "=", userId).where("revoked_at", "is", null).where("expires_at", ">", at).execute();
      const tokens = await db
        .selectFrom("authenticator_tokens")
        .select(["id", "state", "created_at", "expires_at"])
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .where("used_at", "is", null)
        .where("expires_at", ">", at)
        .execute();
      const oneTime = await db.selectFrom("one_time_tokens").select(["id", "created_at", "expires_at"]).where("user_id", "=", userId).where("used_at", "is", null).where("expires_at", ">", at).execute();
      const all: DirectorySession[] = [
        ...sessions.map((row) => ({ type: "hanko_session" as const, id: row.id, product: "hanko", state: "", createdAt: row.created_at, expiresAt: row.expires_at })),
        ...oneTime.map((row) => ({ type: "hanko_one_time_token" as const, id: row.id, product: "hanko", state: "", createdAt: row.created_at, expiresAt: row.expires_at })),
        ...tokens.map((row) => ({ type: "authenticator_token" as const, id: row.id, product: "authenticator", state: row.state, createdAt: row.created_at, expiresAt: row.expires_at })),
      ];
      return all.sort((left, right) => right.createdAt.getTime() - left.createdAt.getTime());
    },
    async credentials(userId) {
      const passkeys = await db.selectFrom("webauthn_credentials").select(["id", "product", "name", "aaguid", "created_at", "last_used_at"]).where("user_id", "=", userId).orderBy("created_at").execute();
      const totp = await db.selectFrom("authenticator_settings").select(["updated_at", "totp_secret"]).where("user_id", "=", userId).where("totp_secret", "is not", null).executeTakeFirst();
      const out: DirectoryCredential[] = passkeys.map((row) => ({
        type: "webauthn",
        id: row.id,
        product: row.product,
        name: row.name ?? "",
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at ?? undefined,
        aaguid: row.aaguid ?? "",
      }));
      if (totp !== undefined) out.push({ type: "totp", id: userId, product: "authenticator", name: "", createdAt: totp.updated_at, lastUsedAt: undefined, aaguid: "" });
      return out;
    },
    // Every table of a user's references users(id) on delete cascade but the Authenticator API's
    // tokens (a sign-up's token names a user who does not exist yet): those go first, in the
    // same transaction, so nothing of the user outlives them.
    deleteUser: (userId, then) =>
      db.transaction().execute(async (tx) => {
        const user = await tx.selectFrom("users").select("id").where("id", "=", userId).forUpdate().executeTakeFirst();
        if (user === undefined) return false;
        await tx.deleteFrom("authenticator_tokens").where("user_id", "=", userId).execute();
        await tx.deleteFrom("users").where("id", "=", userId).execute();
        await then(tx);
        return true;
      }),
    lock: (userId, reason, then) => actAndThen((tx) => lockUser(tx, userId, reason), then),
    unlock: (userId, then) => actAndThen((tx) => unlockUser(tx, userId), then),
    revokeSession: (userId, type, id, at, then) =>
      actAndThen(async (tx) => {
        // A one-time token has no revocation of its own: using it up ends it.
        if (type === "hanko_one_time_token") {
          const row = await tx.updateTable("one_time_tokens").set({ used_at: sql<Date>`now()` }).where("id", "=", id).where("user_id", "=", userId).where("used_at", "is", null).where("expires_at", ">", at).returning("id").executeTakeFirst();
          return row !== undefined;
        }
        const table = type === "hanko_session" ? "sessions" : "authenticator_tokens";
        const row = await tx
          .updateTable(table)
          .set({ revoked_at: sql<Date>`now()` })
          .where("id", "=", id)
          .where("user_id", "=", userId)
          .where("revoked_at", "is", null)
          .where("expires_at", ">", at)
          .returning("id")
          .executeTakeFirst();
        return row !== undefined;
      }, then),
    revokeAllSessions: (userId, at, then) =>
      db.transaction().execute(async (tx) => {
        const sessions = await tx.updateTable("sessions").set({ revoked_at: sql<Date>`now()` }).where("user_id", "=", userId).where("revoked_at", "is", null).where("expires_at", ">", at).returning("id").execute();
        const tokens = await tx
          .updateTable("authenticator_tokens")
          .set({ revoked_at: sql<Date>`now()` })
          .where("user_id", "=", userId)
          .where("revoked_at", "is", null)
          .where("used_at", "is", null)
          .where("expires_at", ">", at)
          .returning("id")
          .execute();
        // A one-time login token mints a fresh session: it goes too, used up.
        const oneTime = await tx.updateTable("one_time_tokens").set({ used_at: sql<Date>`now()` }).where("user_id", "=", userId).where("used_at", "is", null).where("expires_at", ">", at).returning("id").execute();
        const revoked = sessions.length + tokens.length + oneTime.length;
        await then(tx, revoked);
        return revoked;
      }),
    // One statement with the user's lock: introspection is a hot path of internal services.
    async findLiveSession(type, id, at) {
      if (type === "hanko_session") {
        const row = await db
          .selectFrom("sessions as s")
          .innerJoin("users as u", "u.id", "s.user_id")
          .select(["s.user_id", "s.expires_at", "u.locked_at"])
          .where("s.id", "=", id)
          .where("s.revoked_at", "is", null)
          .where("s.expires_at", ">", at)
          .executeTakeFirst();
        return row === undefined ? undefined : { userId: row.user_id, state: "", expiresAt: row.expires_at, locked: row.locked_at !== null };
      }
      const row = await db
        .selectFrom("authenticator_tokens as t")
        // A sign-up's token names a user who does not exist until the sign-up is verified.
        .leftJoin("users as u", "u.id", "t.user_id")
        .select(["t.user_id", "t.state", "t.expires_at", "u.locked_at"])
        .where("t.id", "=", id)
        .where("t.revoked_at", "is", null)
        .where("t.used_at", "is", null)
        .where("t.expires_at", ">", at)
        .executeTakeFirst();
      return row === undefined ? undefined : { userId: row.user_id, state: row.state, expiresAt: row.expires_at, locked: row.locked_at != null };
    },
    async authentiqKeyActive(pk) {
      const row = await db.selectFrom("authentiq_keys").select("pk").where("pk", "=", pk).where("revoked_at", "is", null).executeTakeFirst();
      return row !== undefined;
    },
    deleteCredential: (userId, type, id, then) =>
      actAndThen(async (tx) => {
        if (type === "totp") {
          if (id !== userId) return false;
          const row = await tx
            .updateTable("authenticator_settings")
            .set({ totp_secret: null, totp_last_used_step: null, is_totp_allowed: false, updated_at: sql<Date>`now()` })
            .where("user_id", "=", userId)
            .where("totp_secret", "is not", null)
            .returning("user_id")
            .executeTakeFirst();
          return row !== undefined;
        }
        const row = await tx.deleteFrom("webauthn_credentials").where("id", "=", id).where("user_id", "=", userId).returning("id").executeTakeFirst();
        return row !== undefined;
      }, then),
  };
}
