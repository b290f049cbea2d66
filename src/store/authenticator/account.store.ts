import { sql, type Kysely, type Selectable } from "kysely";
import type { AuthenticatorSettingsTable, AuthenticatorSignupTable, Schema } from "../schema.js";

/** A sign-up waiting for its code. */
export type SignupRow = Selectable<AuthenticatorSignupTable>;
/** A user's second factors. */
export type SettingsRow = Selectable<AuthenticatorSettingsTable>;

/** Stores what a sign-up will create once its code comes back. */
export async function insertSignup(db: Kysely<Schema>, signup: { tokenId: string; tenantId: string; channel: SignupRow["channel"]; contact: string; passwordHash: string | null }): Promise<void> {
  await db
    .insertInto("authenticator_signups")
    .values({ token_id: signup.tokenId, tenant_id: signup.tenantId, channel: signup.channel, contact: signup.contact, password_hash: signup.passwordHash })
    .execute();
}

/** The sign-up of a token. */
export async function findSignup(db: Kysely<Schema>, tokenId: string): Promise<SignupRow | undefined> {
  return db.selectFrom("authenticator_signups").selectAll().where("token_id", "=", tokenId).executeTakeFirst();
}

/**
 * Creates the user `userId` with the verified contact, the password hash and default second
 * factors (codes allowed); false, with nothing written, when the contact is taken. Run it in a
 * transaction: a taken contact is found after the user row was written.
 */
export async function insertAccount(db: Kysely<Schema>, signup: SignupRow, userId: string): Promise<boolean> {
  const tenantId = signup.tenant_id;
  const user = await db.insertInto("users").values({ id: userId, tenant_id: tenantId }).onConflict((conflict) => conflict.column("id").doNothing()).returning("id").executeTakeFirst();
  if (user === undefined) return false;
  const contact =
    signup.channel === "email"
      ? await db
          .insertInto("emails")
          .values({ tenant_id: tenantId, user_id: userId, address: signup.contact, verified: true, is_primary: true })
          .onConflict((conflict) => conflict.columns(["tenant_id", "address"]).doNothing())
          .returning("id")
          .executeTakeFirst()
      : await db
          .insertInto("phone_numbers")
          .values({ tenant_id: tenantId, user_id: userId, number: signup.contact, verified: true })
          .onConflict((conflict) => conflict.columns(["tenant_id", "number"]).doNothing())
          .returning("id")
          .executeTakeFirst();
  if (contact === undefined) return false;
  if (signup.password_hash !== null) await db.insertInto("passwords").values({ user_id: userId, tenant_id: tenantId, hash: signup.password_hash }).execute();
  await db.insertInto("authenticator_settings").values({ user_id: userId, tenant_id: tenantId, is_code_allowed: true, is_totp_allowed: false, is_device_allowed: false, totp_secret: null, totp_last_used_step: null }).execute();
  return true;
}

/** The user's second factors; the defaults (codes only) for a user who never set them. */
export async function findSettings(db: Kysely<Schema>, tenantId: string, userId: string): Promise<SettingsRow> {
  const row = await db.selectFrom("authenticator_settings").selectAll().where("user_id", "=", userId).where("tenant_id", "=", tenantId).executeTakeFirst();
  return row ?? defaultSettings(tenantId, userId);
}

function defaultSettings(tenantId: string, userId: string): SettingsRow {
  return { user_id: userId, tenant_id: tenantId, is_code_allowed: true, is_totp_allowed: false, is_device_allowed: false, totp_secret: null, totp_last_used_step: null, totp_offer_expires_at: null, totp_offer_attempts: 0, updated_at: new Date(0) };
}

/**
 * The user's second factors, locked for the rest of the transaction. A user who never set them
 * (a Hanko user) gets the defaults stored first: a lock on no row would serialise nothing.
 */
export async function lockSettings(db: Kysely<Schema>, tenantId: string, userId: string): Promise<SettingsRow> {
  const defaults = defaultSettings(tenantId, userId);
  await db
    .insertInto("authenticator_settings")
    .values({ user_id: userId, tenant_id: tenantId, is_code_allowed: defaults.is_code_allowed, is_totp_allowed: defaults.is_totp_allowed, is_device_allowed: defaults.is_device_allowed, totp_secret: null, totp_last_used_step: null })
    .onConflict((conflict) => conflict.column("user_id").doNothing())
    .execute();
  const row = await db.selectFrom("authenticator_settings").selectAll().where("user_id", "=", userId).where("tenant_id", "=", tenantId).forUpdate().executeTakeFirst();
  return row ?? defaults;
}

/** The TOTP columns of a settings row, written only when TOTP itself changes. */
export type TotpState = Pick<SettingsRow, "totp_secret" | "totp_last_used_step" | "totp_offer_expires_at" | "totp_offer_attempts">;

/**
 * Writes the user's factor toggles, and the TOTP columns only when `totp` is given: a toggle
 * never writes back a `totp_last_used_step` read earlier (that would let a used code count again).
 */
export async function saveSettings(db: Kysely<Schema>, settings: Pick<SettingsRow, "user_id" | "tenant_id" | "is_code_allowed" | "is_totp_allowed" | "is_device_allowed">, totp?: TotpState): Promise<void> {
  const toggles = { is_code_allowed: settings.is_code_allowed, is_totp_allowed: settings.is_totp_allowed, is_device_allowed: settings.is_device_allowed };
  const values =
    totp === undefined
      ? toggles
      : { ...toggles, ...totp, totp_secret: totp.totp_secret === null ? null : Buffer.from(totp.totp_secret) };
  await db
    .insertInto("authenticator_settings")
    .values({ user_id: settings.user_id, tenant_id: settings.tenant_id, totp_secret: null, totp_last_used_step: null, ...values })
    .onConflict((conflict) => conflict.column("user_id").doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
    .execute();
}

/**
 * Counts a wrong code against the user's offered (unconfirmed) TOTP secret; the
 * `maxAttempts`-th voids the offer.
 */
export async function countWrongTotpConfirmation(db: Kysely<Schema>, tenantId: string, userId: string, maxAttempts: number): Promise<void> {
  const voided = sql<boolean>`totp_offer_attempts + 1 >= ${maxAttempts}`;
  await db
    .updateTable("authenticator_settings")
    .set({
      totp_offer_attempts: sql<number>`totp_offer_attempts + 1`,
      totp_secret: sql<Buffer | null>`case when ${voided} then null else totp_secret end`,
      totp_offer_expires_at: sql<Date | null>`case when ${voided} then null else totp_offer_expires_at end`,
    })
    .where("user_id", "=", userId)
    .where("tenant_id", "=", tenantId)
    .where("is_totp_allowed", "=", false)
    .where("totp_secret", "is not", null)
    .execute();
}
