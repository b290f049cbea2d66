import { sql, type Insertable, type Kysely, type Selectable } from "kysely";
import type { FactorSettings, FactorStore, FactorToggles, TotpState } from "../../products/authenticator/authenticator.port.js";
import type { AuthenticatorSettingsTable, Schema } from "../schema.js";
import { createUsedTotpSteps } from "../totp/used-step.store.js";

/** The settings row of a user who never set their factors: codes only, no TOTP. */
export function defaultSettingsValues(tenantId: string, userId: string): Insertable<AuthenticatorSettingsTable> {
  return { user_id: userId, tenant_id: tenantId, is_code_allowed: true, is_totp_allowed: false, is_device_allowed: false, totp_secret: null, totp_last_used_step: null };
}

/** The Authenticator API's second-factor settings, for one tenant. */
export function createFactorStore(db: Kysely<Schema>, tenantId: string): FactorStore<Kysely<Schema>> {
  const settingsRow = (handle: Kysely<Schema>, userId: string) => handle.selectFrom("authenticator_settings").selectAll().where("user_id", "=", userId).where("tenant_id", "=", tenantId);
  return {
    async findSettings(userId) {
      const row = await settingsRow(db, userId).executeTakeFirst();
      return row === undefined ? defaultSettings(userId) : settingsOf(row);
    },

    async lockSettings(tx, userId) {
      // A user who never set them (a Hanko user) gets the defaults stored first: a lock on no row would serialise nothing.
      await tx
        .insertInto("authenticator_settings")
        .values(defaultSettingsValues(tenantId, userId))
        .onConflict((conflict) => conflict.column("user_id").doNothing())
        .execute();
      const row = await settingsRow(tx, userId).forUpdate().executeTakeFirst();
      return row === undefined ? defaultSettings(userId) : settingsOf(row);
    },

    async saveSettings(tx, userId, toggles, totp) {
      const values = { ...togglesRow(toggles), ...(totp === undefined ? {} : totpRow(totp)) };
      await tx
        .insertInto("authenticator_settings")
        .values({ user_id: userId, tenant_id: tenantId, totp_secret: null, totp_last_used_step: null, ...values })
        .onConflict((conflict) => conflict.column("user_id").doUpdateSet({ ...values, updated_at: sql<Date>`now()` }))
        .execute();
    },

    usedSteps: (tx) => createUsedTotpSteps(tx, tenantId, "authenticator"),
  };
}

function defaultSettings(userId: string): FactorSettings {
  return { userId, isCodeAllowed: true, isTotpAllowed: false, isDeviceAllowed: false, totp: { sealedSecret: null, lastUsedStep: null, offerExpiresAt: null } };
}

function settingsOf(row: Selectable<AuthenticatorSettingsTable>): FactorSettings {
  return {
    userId: row.user_id,
    isCodeAllowed: row.is_code_allowed,
    isTotpAllowed: row.is_totp_allowed,
    isDeviceAllowed: row.is_device_allowed,
    totp: { sealedSecret: row.totp_secret, lastUsedStep: row.totp_last_used_step, offerExpiresAt: row.totp_offer_expires_at },
  };
}

function togglesRow(toggles: FactorToggles) {
  return { is_code_allowed: toggles.isCodeAllowed, is_totp_allowed: toggles.isTotpAllowed, is_device_allowed: toggles.isDeviceAllowed };
}

function totpRow(totp: TotpState) {
  return {
    totp_secret: totp.sealedSecret === null ? null : Buffer.from(totp.sealedSecret),
    totp_last_used_step: totp.lastUsedStep,
    totp_offer_expires_at: totp.offerExpiresAt,
  };
}
