import type { Kysely } from "kysely";
import { DomainError } from "../../core/errors/domain-error.js";
import { isUuid } from "../../core/errors/uuid.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import { hashPassword, verifyPassword } from "../../core/password/password-hash.js";
import { findPasswordHash, upsertPasswordHash } from "../../store/password/password.store.js";
import type { Schema } from "../../store/schema.js";
import { matchTotpStep, newTotpSecret, totpUri } from "../../core/totp/totp.js";
import type { WebauthnCeremony } from "../../core/webauthn/ceremony.js";
import type { CredentialStore } from "../../core/webauthn/credential.port.js";
import type { AuthenticatedToken } from "./access-token.service.js";
import { revokeOtherTokens } from "../../store/authenticator/access-token.store.js";
import { countWrongTotpConfirmation, lockSettings, saveSettings, type SettingsRow, type TotpState } from "../../store/authenticator/account.store.js";
import { contactName, invalidField } from "./contact.js";
import { checkPasswordLength } from "./signup.service.js";
import { openTotpSecret, sealTotpSecret } from "./totp-secret.js";

/** Milliseconds an offered TOTP secret may be confirmed in. */
export const totpOfferLifetimeMs = 10 * 60_000;
/** Wrong confirmation codes an offered TOTP secret survives: the fifth voids it. */
export const maxTotpConfirmations = 5;

/** A wrong code confirming an offered TOTP secret: counted once the transaction rolled back. */
class WrongTotpCode extends Error {}

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
  update(token: AuthenticatedToken, update: UserUpdate): Promise<UserFactors>;
}

/** Creates the user settings service; `issuer` labels TOTP secrets in authenticator apps. */
export function createUserSettingsService(deps: {
  db: Kysely<Schema>;
  tenantId: string;
  secrets: SecretBox;
  issuer: string;
  /** The devices' ceremony: its policy says which credentials are devices. */
  ceremony: WebauthnCeremony;
  credentialsIn: (tx: Kysely<Schema>) => CredentialStore;
  now?: () => number;
}): UserSettingsService {
  const { db, tenantId, secrets, ceremony, credentialsIn } = deps;
  const now = deps.now ?? Date.now;

  // The next TOTP state: unchanged (no `totp`), off, a new secret offered, or the offered one confirmed.
  const nextTotp = (settings: SettingsRow, wanted: boolean | undefined, code: string, label: string): { enabled: boolean; totp?: TotpState; offer?: { secret: string; uri: string } } => {
    if (wanted === undefined || (wanted && settings.is_totp_allowed)) return { enabled: settings.is_totp_allowed };
    const cleared = { totp_last_used_step: null, totp_offer_expires_at: null, totp_offer_attempts: 0 };
    if (!wanted) return { enabled: false, totp: { ...cleared, totp_secret: null } };
    if (code === "") {
      const secret = newTotpSecret();
      const totp = { ...cleared, totp_secret: sealTotpSecret(secrets, settings.user_id, secret), totp_offer_expires_at: new Date(now() + totpOfferLifetimeMs) };
      return { enabled: false, totp, offer: { secret, uri: totpUri(deps.issuer, label, secret) } };
    }
    const offered = settings.totp_secret !== null && settings.totp_offer_expires_at !== null && settings.totp_offer_expires_at.getTime() > now() && settings.totp_offer_attempts < maxTotpConfirmations;
    if (!offered) throw new DomainError("INVALID_CODE", "unauthenticated", "No TOTP secret is waiting for confirmation: ask for a new one");
    const step = matchTotpStep(openTotpSecret(secrets, settings), code, now());
    if (step === undefined) throw new WrongTotpCode();
    return { enabled: true, totp: { ...cleared, totp_secret: settings.totp_secret, totp_last_used_step: step } };
  };

  return {
    async update(token, update) {
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

      // Read before the transaction: PGlite has one connection, a query outside it would wait forever.
      const label = update.isTotpAllowed === true && update.totpCode === "" ? await contactName(db, tenantId, token.userId) : "";
      const after = await db
        .transaction()
        .execute(async (tx) => {
          // Tokens before settings, in the order a login takes them: no deadlock between the two.
          if (passwordHash !== undefined) {
            await upsertPasswordHash(tx, tenantId, token.userId, passwordHash);
            // Whoever held the old password loses their tokens; the caller keeps theirs.
            await revokeOtherTokens(tx, tenantId, token.userId, token.tokenId);
          }
          // Locked: a login using a TOTP step meanwhile is not undone by this write.
          const before = await lockSettings(tx, tenantId, token.userId);
          const totp = nextTotp(before, update.isTotpAllowed, update.totpCode, label);
          const factors = {
            user_id: before.user_id,
            tenant_id: before.tenant_id,
            is_code_allowed: update.isCodeAllowed ?? before.is_code_allowed,
            is_totp_allowed: totp.enabled,
            is_device_allowed: update.isDeviceAllowed ?? before.is_device_allowed,
          };
          if (!factors.is_code_allowed && !factors.is_totp_allowed && !factors.is_device_allowed) throw invalidField("At least one second factor must stay allowed");
          // Devices as the only factor with no device registered would lock the user out for good.
          if (!factors.is_code_allowed && !factors.is_totp_allowed && (await ceremony.list(tenantId, token.userId, credentialsIn(tx))).length === 0) {
            throw invalidField("Register a device before making devices the only second factor");
          }
          if (togglesGiven) await saveSettings(tx, factors, totp.totp);
          return { ...factors, offer: totp.offer };
        })
        .catch(async (error: unknown) => {
          // Counted after the rollback, so that the count is not rolled back with the rest.
          if (!(error instanceof WrongTotpCode)) throw error;
          await countWrongTotpConfirmation(db, tenantId, token.userId, maxTotpConfirmations);
          throw new DomainError("INVALID_CODE", "unauthenticated", "The TOTP code is invalid", { cause: error });
        });
      return { userId: token.userId, isCodeAllowed: after.is_code_allowed, isTotpAllowed: after.is_totp_allowed, isDeviceAllowed: after.is_device_allowed, totp: after.offer };
    },
  };
}
