import { randomUUID } from "node:crypto";
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";
import { noAudit, reasonOf, recordOutcome, type AuditLog } from "../../core/audit/audit.service.js";
import type { Clock } from "../../core/clock.js";
import { DomainError } from "../../core/errors/domain-error.js";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { PasswordCheck } from "../../core/password/password-check.js";
import { useTotpCode } from "../../core/totp/totp-code.js";
import type { WebauthnCeremony } from "../../core/webauthn/ceremony.js";
import type { AccessTokens, AuthenticatedToken, IssuedToken, PendingToken } from "./access-token.service.js";
import type { Limiter } from "../../core/limit/limit.service.js";
import type { Challenges } from "../../core/challenge/challenge.service.js";
import type { AccountStore, FactorSettings, FactorStore, TokenStepStore } from "./authenticator.port.js";
import { answerCode, codeMessage } from "./code.js";
import { contactKey, findUserIdByContact, invalidField, parseContact } from "./contact.js";
import { authenticatorLimits, codePolicy } from "./policy.js";
import { maxPasswordLength } from "./signup.service.js";
import { openTotpSecret } from "./totp-secret.js";

/** The step of the Authenticator API that issues login challenges: a device as the second factor. */
const devicePurpose = "second-factor";

/** Login (seed 002, Login API): a password, then a code, a TOTP code or a device. */
export interface LoginService {
  /**
   * Checks the password and answers an `identified` token; a code goes to the contact when
   * codes are allowed. Throws INVALID_FIELD, INVALID_CREDENTIALS (unknown user or wrong password),
   * TOO_MANY_ATTEMPTS (10 wrong passwords for the contact, or 10 wrong second-factor answers of
   * the user, in 15 minutes).
   */
  logIn(input: { email: string; phone: string; password: string }): Promise<IssuedToken>;
  /** The delivered code or a TOTP code answers an `authorized` token. Throws as `answerCode`, TOO_MANY_ATTEMPTS. */
  verifyCode(token: AuthenticatedToken, code: string): Promise<IssuedToken>;
  /** Request options for the user's devices. Throws FACTOR_NOT_ALLOWED, NO_DEVICE. */
  deviceChallenge(token: AuthenticatedToken): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** An assertion of one of the user's devices answers an `authorized` token. Throws WEBAUTHN_*, FACTOR_NOT_ALLOWED, TOO_MANY_ATTEMPTS. */
  verifyDevice(token: AuthenticatedToken, assertion: AuthenticationResponseJSON): Promise<IssuedToken>;
}

/** Creates the login service. */
export function createLoginService<Tx>(deps: {
  store: AccountStore<Tx> & FactorStore<Tx> & TokenStepStore<Tx>;
  identities: Pick<IdentityStore<Tx>, "findUserByEmail" | "findUserIdByPhone">;
  tenantId: string;
  tokens: AccessTokens<Tx>;
  secrets: SecretBox;
  ceremony: WebauthnCeremony;
  limits: Limiter;
  /** Checks the user's password and upgrades a legacy hash on a match. */
  passwordCheck: PasswordCheck;
  challenges: Challenges<Tx>;
  nudgeOutbox: () => void;
  clock: Clock;
  audit?: AuditLog<Tx>;
}): LoginService {
  const { store, tenantId, tokens, secrets, ceremony, limits, clock } = deps;
  const audit: AuditLog<Tx> = deps.audit ?? noAudit;
  const secondFactor = (userId: string) => [[["user", userId], authenticatorLimits.secondFactor]] as const;
  const refuse = () => new DomainError("INVALID_CREDENTIALS", "unauthenticated", "Invalid credentials");
  const devicesAllowed = async (token: AuthenticatedToken): Promise<void> => {
    if (!(await store.findSettings(token.userId)).isDeviceAllowed) throw new DomainError("FACTOR_NOT_ALLOWED", "forbidden", "Devices are not allowed for this user");
  };
  // A TOTP code counts when TOTP is enabled and its time step was never used before.
  const totpMatches = (settings: FactorSettings, code: string) => async (tx: Tx) => {
    const sealed = settings.totp.sealedSecret;
    if (!settings.isTotpAllowed || sealed === null) return false;
    const use = { secret: openTotpSecret(secrets, settings.userId, sealed), code, holder: settings.userId, steps: store.usedSteps(tx), clock };
    return (await useTotpCode(use)) !== undefined;
  };

  return {
    async logIn(input) {
      const contact = parseContact(input.email, input.phone);
      if (input.password === "" || [...input.password].length > maxPasswordLength) throw invalidField(`Password must be 1 to ${maxPasswordLength} characters`);
      // Wrong passwords count against the contact, known or not: the same answers either way; and
      // against the user whose password it is, with every other product's checks of that password.
      const found = await findUserIdByContact(deps.identities, contact);
      const owner = found === undefined ? contactKey(contact) : (["user", found] as const);
      const checkPassword = () =>
        limits.guard([[contactKey(contact), authenticatorLimits.password], [owner, authenticatorLimits.passwordPerUser]], ["INVALID_CREDENTIALS"], async () => {
          // An unknown user costs the same lookup and the same argon2 check as a known one.
          if ((await deps.passwordCheck.check(found, input.password, contactKey(contact).join(":"))) !== "matches" || found === undefined) throw refuse();
          return found;
        });
      // The first factor's refusal is a failed login; its success is recorded when the second factor is through.
      const userId = await recordOutcome(audit as AuditLog<unknown>, checkPassword, () => undefined, (error) =>
        error instanceof DomainError ? { type: "login.failed", outcome: "failure", product: "authenticator", userId: found ?? null, reason: reasonOf(error), details: { factor: "password" } } : undefined,
      );
      // Only who knows the password learns that the user's second factor is locked.
      await limits.check(["user", userId], authenticatorLimits.secondFactor);
      const settings = await store.findSettings(userId);
      const tokenId = randomUUID();
      let pending: PendingToken | undefined;
      // With codes off the token still waits on a challenge, answered by a TOTP code alone.
      await deps.challenges.issue(codePolicy, {
        id: tokenId,
        userId,
        ...(settings.isCodeAllowed ? {} : { secret: null }),
        message: (code) => (code === null ? undefined : codeMessage(contact, code)),
        async alongside(tx) {
          pending = await tokens.record(tx, { tokenId, userId, state: "identified" });
        },
      });
      if (settings.isCodeAllowed) deps.nudgeOutbox();
      return tokens.sign(pending!);
    },

    async verifyCode(token, code) {
      // Wrong codes count against the user across all their tokens, not only this one's five.
      const pending: PendingToken = await limits.guard(secondFactor(token.userId), ["INVALID_CODE"], async () => {
        const settings = await store.findSettings(token.userId);
        return answerCode({ challenges: deps.challenges, tokens: store, clock }, token, code, {
          alternative: totpMatches(settings, code),
          async onSuccess(tx) {
            await audit.record(tx, { type: "login.succeeded", outcome: "success", product: "authenticator", userId: token.userId, details: { factor: "password+code" } });
            return tokens.record(tx, { userId: token.userId, state: "authorized", clientId: token.clientId });
          },
        });
      });
      return tokens.sign(pending);
    },

    async deviceChallenge(token) {
      await devicesAllowed(token);
      return ceremony.loginOptions({ tenantId, purpose: devicePurpose, userId: token.userId });
    },

    async verifyDevice(token, assertion) {
      await devicesAllowed(token);
      // The challenge must be one issued to this token's user: a discoverable login's (Hanko) or
      // another user's challenge does not answer this user's second factor.
      const pending = await limits.guard(secondFactor(token.userId), ["WEBAUTHN_LOGIN_FAILED"], async () => {
        // The token is used up and the authorized one recorded in the transaction of the sign
        // count and the login's event: a token used meanwhile rolls the login back.
        const { value } = await ceremony.finishLogin(tenantId, devicePurpose, assertion, { expectedUserId: token.userId }, async (tx) => {
          const live = await store.lockLiveToken(tx as Tx, token.tokenId, clock.now());
          if (live === undefined) throw new DomainError("INVALID_TOKEN", "unauthenticated", "The token is invalid or expired");
          await store.markTokenUsed(tx as Tx, live.tokenId);
          return tokens.record(tx as Tx, { userId: token.userId, state: "authorized", clientId: token.clientId });
        });
        return value;
      });
      return tokens.sign(pending);
    },
  };
}
