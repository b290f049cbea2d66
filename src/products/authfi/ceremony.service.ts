import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { randomUUID } from "node:crypto";
import type { PendingUser } from "../../core/webauthn/challenge.port.js";
import type { RelyingPartyConfig, WebauthnCeremony } from "../../core/webauthn/ceremony.js";
import type { WebauthnCredential } from "../../core/webauthn/credential.js";
import type { RunInTransaction } from "../../core/transaction.port.js";
import { authfiError } from "./authfi-errors.js";
import { checkRegistrationParams, checkUserVerification, type RegistrationParams } from "./authfi-options.js";
import type { AuthfiUser, AuthfiUserStore } from "./authfi-user.port.js";
import { checkFlags, parseAssertion, parseAttestation } from "./fido-response.js";
import type { AccessPoint } from "./tenant.service.js";

/** A user and the key a ceremony registered or used. */
export interface CeremonyResult {
  user: AuthfiUser;
  key: WebauthnCredential;
}

/** AuthFi's WebAuthn ceremonies (seed 003) for an access point: registration, login, verification. */
export interface AuthfiCeremonyService {
  beginRegistration(accessPoint: AccessPoint, params: RegistrationParams): Promise<PublicKeyCredentialCreationOptionsJSON>;
  finishRegistration(accessPoint: AccessPoint, response: RegistrationResponseJSON | undefined): Promise<CeremonyResult>;
  beginLogin(accessPoint: AccessPoint, userVerification: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  finishLogin(accessPoint: AccessPoint, response: AuthenticationResponseJSON | undefined): Promise<CeremonyResult>;
  beginVerification(accessPoint: AccessPoint, accountName: string, userVerification: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  finishVerification(accessPoint: AccessPoint, response: AuthenticationResponseJSON | undefined): Promise<CeremonyResult>;
}

/**
 * Creates the AuthFi ceremony service over the WebAuthn ceremony under AuthFi's policy: each
 * access point is a tenant; `login` (discoverable) and `verification` (one user's keys) are
 * purposes of their own, so neither's challenge answers the other.
 */
export function createAuthfiCeremonyService<Tx>(deps: { users: AuthfiUserStore<Tx>; transaction: RunInTransaction<Tx>; rp: RelyingPartyConfig; ceremony: WebauthnCeremony; audit?: AuditLog<Tx> }): AuthfiCeremonyService {
  const { users, transaction, rp, ceremony } = deps;
  const audit: AuditLog<Tx> = deps.audit ?? noAudit;

  const usable = (user: AuthfiUser | undefined): AuthfiUser => {
    if (user === undefined) throw authfiError("userNotFound", "no such user");
    if (user.state === "suspend") throw authfiError("userSuspended", "the user is suspended");
    return user;
  };

  /** Creates the user a registration started for, under the tenant lock that keeps the cap. */
  const createPendingUser = async (tx: Tx, accessPoint: AccessPoint, pending: PendingUser): Promise<AuthfiUser> => {
    const count = await users.countLocked(tx, accessPoint.tenantId);
    // The same account name registered meanwhile under another handle: this key's handle
    // would name no user, so the ceremony must start again.
    if ((await users.findByName(accessPoint.tenantId, pending.name, tx)) !== undefined) throw authfiError("keyExists", "the account was registered meanwhile: start the registration again");
    if (accessPoint.userCap !== null && count >= accessPoint.userCap) throw authfiError("userCap", "the access point has as many users as it may");
    const user = await users.insert(tx, accessPoint.tenantId, pending);
    await audit.record(tx, { type: "user.created", outcome: "success", product: "authfi", tenantId: accessPoint.tenantId, userId: user.userId });
    await audit.record(tx, { type: "user.signed_up", outcome: "success", product: "authfi", tenantId: accessPoint.tenantId, userId: user.userId, details: { factor: "webauthn" } });
    return user;
  };

  const finishAssertion = async (accessPoint: AccessPoint, input: AuthenticationResponseJSON | undefined, field: string, purpose: "login" | "verification"): Promise<CeremonyResult> => {
    const { tenantId } = accessPoint;
    const parsed = parseAssertion(input, rp, field);
    let user: AuthfiUser | undefined;
    const key = await ceremony.verifyLogin(tenantId, purpose, parsed.response, {
      issued: (issued) => checkFlags(parsed.flags, issued.userVerification === "required"),
      credential: async (credential) => {
        user = await users.find(tenantId, credential.userId);
        if (user === undefined) throw authfiError("inconsistent", "the key's user has no AuthFi record");
        usable(user);
      },
    });
    return { user: user!, key };
  };

  return {
    async beginRegistration(accessPoint, params) {
      const { tenantId } = accessPoint;
      const checked = checkRegistrationParams(params);
      const existing = await users.findByName(tenantId, checked.name);
      // A new account is created only when its first key registers (finishRegistration): an
      // abandoned start leaves no user behind and uses up no place under the user cap.
      if (existing === undefined && accessPoint.userCap !== null && (await users.count(tenantId)) >= accessPoint.userCap) {
        throw authfiError("userCap", "the access point has as many users as it may");
      }
      if (existing !== undefined) usable(existing);
      const user = existing === undefined ? { id: randomUUID(), name: checked.name, displayName: checked.displayName } : { id: existing.userId, name: existing.name, displayName: existing.displayName };
      const options = await ceremony.registrationOptions({
        tenantId,
        purpose: "registration",
        user,
        existingUser: existing !== undefined,
        ...(existing === undefined ? { pendingUser: user } : {}),
        attestation: checked.attestation === "indirect" ? "direct" : checked.attestation,
        authenticatorSelection: checked.selection,
      });
      return { ...options, attestation: checked.attestation };
    },

    async finishRegistration(accessPoint, input) {
      const { tenantId } = accessPoint;
      const parsed = parseAttestation(input, rp);
      const verified = await ceremony.verifyRegistration(tenantId, "registration", parsed.response, {
        issued: (issued) => checkFlags(parsed.flags, issued.userVerification === "required"),
      });
      const { issued } = verified;
      return transaction(async (tx) => {
        const user = usable(issued.userId !== null ? await users.lock(tx, tenantId, issued.userId) : issued.pendingUser === null ? undefined : await createPendingUser(tx, accessPoint, issued.pendingUser));
        const key = await ceremony.store(tenantId, user.userId, verified.credential, users.credentialsIn(tx), tx);
        return { user, key };
      });
    },

    beginLogin: (accessPoint, userVerification) => ceremony.loginOptions({ tenantId: accessPoint.tenantId, purpose: "login", userId: null, userVerification: checkUserVerification(userVerification) }),

    finishLogin: (accessPoint, input) => finishAssertion(accessPoint, input, "fido_login_response", "login"),

    async beginVerification(accessPoint, accountName, userVerification) {
      const { tenantId } = accessPoint;
      if (accountName.trim() === "") throw authfiError("invalidParameter", "uId is required");
      const uv = checkUserVerification(userVerification);
      const user = usable(await users.findByName(tenantId, accountName.trim()));
      return ceremony.loginOptions({ tenantId, purpose: "verification", userId: user.userId, userVerification: uv });
    },

    finishVerification: (accessPoint, input) => finishAssertion(accessPoint, input, "fido_auth_response", "verification"),
  };
}
