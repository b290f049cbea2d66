import type { Kysely } from "kysely";
import { DomainError } from "../errors/domain-error.js";
import { isUuid } from "../errors/uuid.js";
import type { SecretBox } from "../keys/secret-box.js";
import { hashPassword, verifyPassword } from "../session/password-hash.js";
import { findPasswordHash, upsertPasswordHash } from "../session/password.store.js";
import type { Schema } from "../store/schema.js";
import { matchTotpStep, newTotpSecret, totpUri } from "../verify/totp.js";
import { listCredentials } from "../webauthn/webauthn.store.js";
import type { AccessTokens, TokenCredentials } from "./access-token.service.js";
import { revokeOtherTokens } from "./access-token.store.js";
import { findSettings, saveSettings, type SettingsRow } from "./account.store.js";
import { contactName, invalidField } from "./contact.js";
import { checkPasswordLength } from "./signup.service.js";
import { openTotpSecret, sealTotpSecret } from "./totp-secret.js";

/** What `PATCH /api/v1/user/:user_id` takes; an absent toggle is undefined. */
export interface UserUpdate {
  userId: string;
  password: string;
  currentPassword: string;
  isCodeAllowed: boolean | undefined;
  isTotpAllowed: boolean | undefined;
  isDeviceAllowed: boolean | undefined;
  totpCode: string;
}

/** The user's factors after an update, and a TOTP secret waiting for its first code. */
export interface UserFactors {
  userId: string;
  isCodeAllowed: boolean;
  isTotpAllowed: boolean;
  isDeviceAllowed: boolean;
  totp: { secret: string; uri: string } | undefined;
}

/** User settings (seed 002, User API): the password and the second factors. */
export interface UserSettingsService {
  /**
   * Changes the password (revoking the user's other tokens) and toggles factors for the
   * token's own user. Throws INVALID_FIELD,
   * NOT_OWN_USER, INVALID_CREDENTIALS (wrong current password), INVALID_CODE (TOTP confirmation).
   */
  update(credentials: TokenCredentials, update: UserUpdate): Promise<UserFactors>;
}

/** Creates the user settings service; `issuer` labels TOTP secrets in authenticator apps. */
export function createUserSettingsService(deps: { db: Kysely<Schema>; tenantId: string; tokens: AccessTokens; secrets: SecretBox; issuer: string; now?: () => number }): UserSettingsService {
  const { db, tenantId, tokens, secrets } = deps;
  const now = deps.now ?? Date.now;

  // The next TOTP state: off, unchanged, a new secret offered, or the offered one confirmed.
  const nextTotp = async (settings: SettingsRow, wanted: boolean | undefined, code: string): Promise<{ settings: SettingsRow; offer?: { secret: string; uri: string } }> => {
    if (wanted === undefined || (wanted && settings.is_totp_allowed)) return { settings };
    if (!wanted) return { settings: { ...settings, is_totp_allowed: false, totp_secret: null, totp_last_used_step: null } };
    if (code === "") {
      const secret = newTotpSecret();
      const uri = totpUri(deps.issuer, await contactName(db, tenantId, settings.user_id), secret);
      return { settings: { ...settings, totp_secret: sealTotpSecret(secrets, settings.user_id, secret), totp_last_used_step: null }, offer: { secret, uri } };
    }
    const step = settings.totp_secret === null ? undefined : matchTotpStep(openTotpSecret(secrets, settings), code, now());
    if (step === undefined) throw new DomainError("INVALID_CODE", "unauthenticated", "The TOTP code is invalid");
    return { settings: { ...settings, is_totp_allowed: true, totp_last_used_step: step } };
  };

  return {
    async update(credentials, update) {
      const token = await tokens.authenticate(credentials, "authorized");
      if (!isUuid(update.userId) || update.userId.toLowerCase() !== token.userId) throw new DomainError("NOT_OWN_USER", "forbidden", "A user can only change their own account");
      const togglesGiven = update.isCodeAllowed !== undefined || update.isTotpAllowed !== undefined || update.isDeviceAllowed !== undefined;
      if (update.password === "" && !togglesGiven) throw invalidField("Give a new password or a factor to toggle");
      if (update.password === "" && update.currentPassword !== "") throw invalidField("password is required with current_password");

      let passwordHash: string | undefined;
      if (update.password !== "") {
        checkPasswordLength(update.password);
        const stored = await findPasswordHash(db, tenantId, token.userId);
        // A user who signed up without a password sets one with no current password.
        const current = stored === undefined ? update.currentPassword === "" : await verifyPassword(stored, update.currentPassword);
        if (!current) throw new DomainError("INVALID_CREDENTIALS", "unauthenticated", "The current password is wrong");
        passwordHash = await hashPassword(update.password);
      }

      const before = await findSettings(db, tenantId, token.userId);
      const totp = await nextTotp(before, update.isTotpAllowed, update.totpCode);
      const after: SettingsRow = {
        ...totp.settings,
        is_code_allowed: update.isCodeAllowed ?? before.is_code_allowed,
        is_device_allowed: update.isDeviceAllowed ?? before.is_device_allowed,
      };
      if (!after.is_code_allowed && !after.is_totp_allowed && !after.is_device_allowed) throw invalidField("At least one second factor must stay allowed");
      // Devices as the only factor with no device registered would lock the user out for good.
      if (!after.is_code_allowed && !after.is_totp_allowed && (await listCredentials(db, tenantId, token.userId)).length === 0) {
        throw invalidField("Register a device before making devices the only second factor");
      }

      await db.transaction().execute(async (tx) => {
        if (passwordHash !== undefined) {
          await upsertPasswordHash(tx, tenantId, token.userId, passwordHash);
          // Whoever held the old password loses their tokens; the caller keeps theirs.
          await revokeOtherTokens(tx, tenantId, token.userId, token.tokenId);
        }
        if (togglesGiven) await saveSettings(tx, after);
      });
      return { userId: token.userId, isCodeAllowed: after.is_code_allowed, isTotpAllowed: after.is_totp_allowed, isDeviceAllowed: after.is_device_allowed, totp: totp.offer };
    },
  };
}
