import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { DomainError } from "../../core/errors/domain-error.js";
import { requireUuid } from "../../core/errors/uuid.js";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import type { WebauthnCeremony } from "../../core/webauthn/ceremony.js";
import type { WebauthnCredential } from "../../core/webauthn/credential.js";
import { toBase64url } from "../../core/webauthn/webauthn-encoding.js";

/** Hanko's passkeys (seed 004, `/webauthn/…`): the WebAuthn ceremony under Hanko's policy, and credential management. */
export interface HankoWebauthnService {
  registrationOptions(userId: string): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Throws WEBAUTHN_REGISTRATION_FAILED (invalid) for anything it cannot verify, CREDENTIAL_LIMIT, CREDENTIAL_EXISTS. */
  finishRegistration(userId: string, response: RegistrationResponseJSON): Promise<WebauthnCredential>;
  /** With a user id: that user's credentials are allowed (UNKNOWN_USER when none); without: a discoverable login. */
  loginOptions(userId: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /**
   * Throws WEBAUTHN_MALFORMED_ASSERTION (invalid) for an assertion missing a member and
   * WEBAUTHN_LOGIN_FAILED (unauthenticated) for anything it cannot verify. `issue` (the session)
   * runs in the transaction of the sign count and the login's event.
   */
  finishLogin<T>(response: AuthenticationResponseJSON, issue: (tx: unknown, userId: string) => Promise<T>): Promise<{ userId: string; credentialId: string; issued: T }>;
  list(userId: string): Promise<WebauthnCredential[]>;
  rename(userId: string, credentialId: string, name: string): Promise<void>;
  remove(userId: string, credentialId: string): Promise<void>;
}

/** Creates Hanko's WebAuthn service for the tenant of `identities`. */
export function createHankoWebauthnService<Tx>(deps: { identities: IdentityStore<Tx>; tenantId: string; ceremony: WebauthnCeremony }): HankoWebauthnService {
  const { identities, tenantId, ceremony } = deps;
  const notFound = () => new DomainError("CREDENTIAL_NOT_FOUND", "not_found", "credential not found");
  const credentialId = (id: string) => {
    const normalized = toBase64url(id);
    if (!/^[A-Za-z0-9_-]{1,1366}$/.test(normalized)) throw notFound();
    return normalized;
  };

  return {
    async registrationOptions(userId) {
      const name = (await identities.findPrimaryEmail(userId))?.address ?? userId;
      return ceremony.registrationOptions({ tenantId, purpose: "registration", user: { id: userId, name, displayName: name }, existingUser: true });
    },

    async finishRegistration(userId, response) {
      const verified = await ceremony.verifyRegistration(tenantId, "registration", response, { expectedUserId: userId });
      return ceremony.store(tenantId, userId, verified.credential);
    },

    loginOptions: (userId) => ceremony.loginOptions({ tenantId, purpose: "login", userId: userId === "" ? null : requireUuid(userId, "user_id") }),

    async finishLogin(response, issue) {
      const { credential, value } = await ceremony.finishLogin(tenantId, "login", response, {}, (tx, used) => issue(tx, used.userId));
      return { userId: credential.userId, credentialId: credential.credentialId, issued: value };
    },

    list: (userId) => ceremony.list(tenantId, userId),

    async rename(userId, id, name) {
      const trimmed = name.trim();
      if (trimmed === "" || [...trimmed].length > 128) {
        throw new DomainError("INVALID_NAME", "invalid", "name must be 1 to 128 characters", { details: { details: [{ path: "name", error: "length" }] } });
      }
      if ((await ceremony.rename(tenantId, userId, credentialId(id), trimmed)) === undefined) throw notFound();
    },

    async remove(userId, id) {
      if (!(await ceremony.remove(tenantId, userId, credentialId(id)))) throw notFound();
    },
  };
}
