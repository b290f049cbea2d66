import type { Clock } from "../../core/clock.js";
import { DomainError, isDomainError } from "../../core/errors/domain-error.js";
import { isUuid } from "../../core/errors/uuid.js";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { Limiter } from "../../core/limit/limit.service.js";
import type { PasswordCheck } from "../../core/password/password-check.js";
import { hashPassword } from "../../core/password/password-hash.js";
import { matchTotpStep, newTotpSecret, totpUri } from "../../core/totp/totp.js";
import type { WebauthnCeremony } from "../../core/webauthn/ceremony.js";
import type { CredentialsInTransaction } from "../../core/webauthn/credential.port.js";
import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import type { RunInTransaction } from "../../core/transaction.port.js";
import type { AuthenticatedToken } from "./access-token.service.js";
import type { AccountStore, FactorSettings, FactorStore, TokenStepStore, TotpState } from "./authenticator.port.js";
import { contactName, invalidField } from "./contact.js";
import { authenticatorLimits } from "./policy.js";
import { checkPasswordLength } from "./signup.service.js";
import { openTotpSecret, sealTotpSecret } from "./totp-secret.js";

/** Milliseconds an offered TOTP secret may be confirmed in. */
export const totpOfferLifetimeMs = 10 * 60_000;
/** Confirmation codes an offered TOTP secret takes (each a hit of the offer's limit): after the fifth wrong one it is void. */
export const maxTotpConfirmations = authenticatorLimits.totpConfirmation.max;

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
   * NOT_OWN_USER, INVALID_CREDENTIALS (wrong current password), INVALID_CODE (TOTP confirmation),
   * TOO_MANY_ATTEMPTS (the user's password counter used up; more concurrent confirmations of one
   * offer than it allows).
   */
  update(token: AuthenticatedToken, update: UserUpdate): Promise<UserFactors>;
}

/** Creates the user settings service; `issuer` labels TOTP secrets in authenticator apps. */
export function createUserSettingsService<Tx>(deps: {
  store: Pick<AccountStore<Tx>, "savePasswordHash"> &
    Pick<FactorStore<Tx>, "findSettings" | "lockSettings" | "saveSettings"> &
    Pick<TokenStepStore<Tx>, "revokeOtherTokens"> &
    CredentialsInTransaction<Tx>;
  identities: Pick<IdentityStore<Tx>, "findContactAddress">;
  transaction: RunInTransaction<Tx>;
  tenantId: string;
  secrets: SecretBox;
  issuer: string;
  /** The devices' ceremony: its policy says which credentials are devices. */
  ceremony: Pick<WebauthnCeremony, "list">;
  /** The shared password counter and the TOTP offer's confirmation limit (the one count of wrong confirmations). */
  limits: Pick<Limiter, "guard">;
  /** Checks the current password (upgrading a legacy hash on a match). */
  passwordCheck: PasswordCheck;
  clock: Clock;
  audit?: AuditLog<Tx>;
}): UserSettingsService {
  const { store, transaction, tenantId, secrets, ceremony, limits } = deps;
  const audit: AuditLog<Tx> = deps.audit ?? noAudit;
  const now = () => deps.clock.now().getTime();

  // The next TOTP state: unchanged (no `totp`), off, a new secret offered, or the offered one confirmed.
  const nextTotp = (settings: FactorSettings, wanted: boolean | undefined, code: string, label: string): { enabled: boolean; totp?: TotpState; offer?: { secret: string; uri: string } } => {
    if (wanted === undefined || (wanted && settings.isTotpAllowed)) return { enabled: settings.isTotpAllowed };
    const cleared = { lastUsedStep: null, offerExpiresAt: null };
    if (!wanted) return { enabled: false, totp: { ...cleared, sealedSecret: null } };
    if (code === "") {
      const secret = newTotpSecret();
      const totp = { ...cleared, sealedSecret: sealTotpSecret(secrets, settings.userId, secret), offerExpiresAt: new Date(now() + totpOfferLifetimeMs) };
      return { enabled: false, totp, offer: { secret, uri: totpUri(deps.issuer, label, secret) } };
    }
    const { sealedSecret, offerExpiresAt } = settings.totp;
    const offered = sealedSecret !== null && offerExpiresAt !== null && offerExpiresAt.getTime() > now();
    if (!offered) throw noOffer();
    const step = matchTotpStep(openTotpSecret(secrets, settings.userId, sealedSecret), code, now());
    // Rolled back with the transaction; the offer's limit keeps the hit (guard's failures).
    if (step === undefined) throw new DomainError("INVALID_CODE", "unauthenticated", "The TOTP code is invalid");
    return { enabled: true, totp: { ...cleared, sealedSecret, lastUsedStep: step } };
  };

  // The limit key of the user's open TOTP offer, if any is waiting: its sealed secret (random
  // per offer; the limiter stores only a keyed hash of the key) names it, so a new offer starts afresh.
  const openOffer = async (userId: string) => {
    const settings = await store.findSettings(userId);
    const { sealedSecret, offerExpiresAt } = settings.totp;
    if (settings.isTotpAllowed || sealedSecret === null || offerExpiresAt === null || offerExpiresAt.getTime() <= now()) return undefined;
    return ["user", userId, "totp-offer", Buffer.from(sealedSecret).toString("base64")] as const;
  };

  return {
    async update(token, update) {
      if (!isUuid(update.userId) || update.userId.toLowerCase() !== token.userId) throw new DomainError("NOT_OWN_USER", "forbidden", "A user can only change their own account");
      const togglesGiven = update.isCodeAllowed !== undefined || update.isTotpAllowed !== undefined || update.isDeviceAllowed !== undefined;
      if (update.password === "" && !togglesGiven) throw invalidField("Give a new password or a factor to toggle");
      if (update.password === "" && update.currentPassword !== "") throw invalidField("password is required with current_password");

      let passwordHash: string | undefined;
      let hadPassword = true;
      if (update.password !== "") {
        checkPasswordLength(update.password);
        // Wrong current passwords count against the user's one password counter, with every
        // login's checks of it (Hanko's too): a stolen token buys no guesses.
        await limits.guard([[["user", token.userId], authenticatorLimits.passwordPerUser]], ["INVALID_CREDENTIALS"], async () => {
          const verdict = await deps.passwordCheck.check(token.userId, update.currentPassword);
          // A user who signed up without a password sets one with no current password.
          hadPassword = verdict !== "no_password";
          const current = verdict === "no_password" ? update.currentPassword === "" : verdict === "matches";
          if (!current) throw new DomainError("INVALID_CREDENTIALS", "unauthenticated", "The current password is wrong");
        });
        passwordHash = await hashPassword(update.password);
      }

      // Read before the transaction: PGlite has one connection, a query outside it would wait forever.
      const label = update.isTotpAllowed === true && update.totpCode === "" ? await contactName(deps.identities, token.userId) : "";
      const change = () => transaction(async (tx) => {
        // Tokens before settings, in the order a login takes them: no deadlock between the two.
        if (passwordHash !== undefined) {
          await store.savePasswordHash(tx, token.userId, passwordHash);
          // Whoever held the old password loses their tokens; the caller keeps theirs.
          await store.revokeOtherTokens(tx, token.userId, token.tokenId);
        }
        // Locked: a login using a TOTP step meanwhile is not undone by this write.
        const before = await store.lockSettings(tx, token.userId);
        const totp = nextTotp(before, update.isTotpAllowed, update.totpCode, label);
        const factors = {
          isCodeAllowed: update.isCodeAllowed ?? before.isCodeAllowed,
          isTotpAllowed: totp.enabled,
          isDeviceAllowed: update.isDeviceAllowed ?? before.isDeviceAllowed,
        };
        if (!factors.isCodeAllowed && !factors.isTotpAllowed && !factors.isDeviceAllowed) throw invalidField("At least one second factor must stay allowed");
        // Devices as the only factor with no device registered would lock the user out for good.
        if (!factors.isCodeAllowed && !factors.isTotpAllowed && (await ceremony.list(tenantId, token.userId, store.credentialsIn(tx))).length === 0) {
          throw invalidField("Register a device before making devices the only second factor");
        }
        if (passwordHash !== undefined) await audit.record(tx, { type: hadPassword ? "password.changed" : "password.set", outcome: "success", product: "authenticator", userId: token.userId });
        if (togglesGiven) {
          await store.saveSettings(tx, token.userId, factors, totp.totp);
          await audit.record(tx, {
            type: "factor_settings.changed",
            outcome: "success",
            product: "authenticator",
            userId: token.userId,
            details: { code: factors.isCodeAllowed, totp: factors.isTotpAllowed, device: factors.isDeviceAllowed },
          });
        }
        return { ...factors, offer: totp.offer };
      });
      // A confirmation of an open offer is one hit of the offer's limit before anything is
      // checked, kept when the code is wrong: a concurrent burst has at most
      // `maxTotpConfirmations` codes checked, and once they are used up the offer is void (a
      // new offer has a new key). Anything else is answered unlimited.
      const offer = update.isTotpAllowed === true && update.totpCode !== "" ? await openOffer(token.userId) : undefined;
      const after =
        offer === undefined
          ? await change()
          : await limits.guard([[offer, authenticatorLimits.totpConfirmation]], ["INVALID_CODE"], change).catch((error: unknown) => {
              // The limit of this offer used up: no code will confirm it, as for no offer at all.
              if (isDomainError(error) && error.kind === "rate_limited" && error.reason === authenticatorLimits.totpConfirmation.reason) throw noOffer(error);
              throw error;
            });
      return { userId: token.userId, isCodeAllowed: after.isCodeAllowed, isTotpAllowed: after.isTotpAllowed, isDeviceAllowed: after.isDeviceAllowed, totp: after.offer };
    },
  };
}

/** A confirmation code with no offer to confirm: none made, expired, or its confirmations used up. */
function noOffer(cause?: unknown): DomainError {
  return new DomainError("INVALID_CODE", "unauthenticated", "No TOTP secret is waiting for confirmation: ask for a new one", { cause });
}
