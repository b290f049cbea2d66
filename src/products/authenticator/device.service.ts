import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { DomainError } from "../../core/errors/domain-error.js";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import type { CredentialsInTransaction } from "../../core/webauthn/credential.port.js";
import type { WebauthnCeremony } from "../../core/webauthn/ceremony.js";
import { toBase64url } from "../../core/webauthn/webauthn-encoding.js";
import type { RunInTransaction } from "../../core/transaction.port.js";
import type { AuthenticatedToken } from "./access-token.service.js";
import type { FactorStore } from "./authenticator.port.js";
import { contactName, invalidField } from "./contact.js";

/** The step of the Authenticator API that issues registration challenges. */
const purpose = "device";

/** Devices (seed 002, Device API): WebAuthn credentials of an `authorized` user. */
export interface DeviceService {
  /** Creation options. Throws CREDENTIAL_LIMIT. */
  options(token: AuthenticatedToken): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /**
   * Verifies the attestation and stores the device; its id (base64url). Registering a device
   * allows devices as a second factor, as the original service does. Throws WEBAUTHN_REGISTRATION_FAILED.
   */
  register(token: AuthenticatedToken, response: RegistrationResponseJSON): Promise<string>;
  /** Removes one of the user's devices. Throws DEVICE_NOT_FOUND. */
  remove(token: AuthenticatedToken, deviceId: string): Promise<void>;
}

/** Creates the device service. */
export function createDeviceService<Tx>(deps: {
  store: Pick<FactorStore<Tx>, "lockSettings" | "saveSettings"> & CredentialsInTransaction<Tx>;
  identities: Pick<IdentityStore<Tx>, "findContactAddress">;
  transaction: RunInTransaction<Tx>;
  tenantId: string;
  ceremony: WebauthnCeremony;
}): DeviceService {
  const { store, transaction, tenantId, ceremony } = deps;
  return {
    async options(token) {
      const name = await contactName(deps.identities, token.userId);
      return ceremony.registrationOptions({ tenantId, purpose, user: { id: token.userId, name, displayName: name }, existingUser: true });
    },
    async register(token, response) {
      const verified = await ceremony.verifyRegistration(tenantId, purpose, response, { expectedUserId: token.userId });
      return transaction(async (tx) => {
        // The settings row lock serialises this with factor changes and removals.
        const settings = await store.lockSettings(tx, token.userId);
        const stored = await ceremony.store(tenantId, token.userId, verified.credential, store.credentialsIn(tx), tx);
        // The original service (FinishSignUp: `if !user.IsDeviceAllowed { enableNewDevice }`) allows
        // devices with any device registered while they are off: a device that cannot log in is no second factor.
        if (!settings.isDeviceAllowed) await store.saveSettings(tx, token.userId, { ...settings, isDeviceAllowed: true });
        return stored.credentialId;
      });
    },
    async remove(token, deviceId) {
      const id = toBase64url(deviceId);
      const notFound = () => new DomainError("DEVICE_NOT_FOUND", "not_found", "No such device");
      if (!/^[A-Za-z0-9_-]{1,1366}$/.test(id)) throw notFound();
      await transaction(async (tx) => {
        // The settings row lock serialises this with factor changes, registrations and other removals.
        const settings = await store.lockSettings(tx, token.userId);
        const credentials = store.credentialsIn(tx);
        const devices = await ceremony.list(tenantId, token.userId, credentials);
        if (!devices.some((device) => device.credentialId === id)) throw notFound();
        // Removing the last device while devices are the only factor would lock the user out for good.
        if (!settings.isCodeAllowed && !settings.isTotpAllowed && devices.length === 1) {
          throw invalidField("Allow another second factor before removing your last device");
        }
        await ceremony.remove(tenantId, token.userId, id, credentials, tx);
      });
    },
  };
}
