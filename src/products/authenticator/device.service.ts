import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Kysely } from "kysely";
import { DomainError } from "../../core/errors/domain-error.js";
import type { Schema } from "../../store/schema.js";
import type { RegistrationProfile, WebauthnService } from "../../core/webauthn/webauthn.service.js";
import type { AuthenticatedToken } from "./access-token.service.js";
import { base64url, toBase64url } from "../../core/webauthn/webauthn-encoding.js";
import { deleteCredential, listCredentials } from "../../store/webauthn/webauthn.store.js";
import { lockSettings } from "../../store/authenticator/account.store.js";
import { contactName, invalidField } from "./contact.js";

/**
 * The seed's creation options: direct attestation, a cross-platform authenticator, no
 * resident key, and its algorithms in its order (ES256, ES384, ES512, RS256, RS384, RS512,
 * PS256, PS384, PS512, EdDSA).
 */
const deviceProfile = (userName: string): RegistrationProfile => ({
  attestation: "direct",
  authenticatorSelection: { authenticatorAttachment: "cross-platform", residentKey: "discouraged", requireResidentKey: false, userVerification: "preferred" },
  algorithms: [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8],
  userName,
});

/** Devices (seed 002, Device API): WebAuthn credentials of an `authorized` user. */
export interface DeviceService {
  /** Creation options. Throws CREDENTIAL_LIMIT. */
  options(token: AuthenticatedToken): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Verifies the attestation and stores the device; its id (base64url). Throws WEBAUTHN_REGISTRATION_FAILED. */
  register(token: AuthenticatedToken, response: RegistrationResponseJSON): Promise<string>;
  /** Removes one of the user's devices. Throws DEVICE_NOT_FOUND. */
  remove(token: AuthenticatedToken, deviceId: string): Promise<void>;
}

/** Creates the device service. */
export function createDeviceService(deps: { db: Kysely<Schema>; tenantId: string; webauthn: WebauthnService }): DeviceService {
  const { db, tenantId, webauthn } = deps;
  return {
    async options(token) {
      return webauthn.registrationOptions(token.userId, deviceProfile(await contactName(db, tenantId, token.userId)));
    },
    async register(token, response) {
      const stored = await webauthn.finishRegistration(token.userId, response, deviceProfile(""));
      return Buffer.from(stored.credential_id).toString("base64url");
    },
    async remove(token, deviceId) {
      const id = toBase64url(deviceId);
      const notFound = () => new DomainError("DEVICE_NOT_FOUND", "not_found", "No such device");
      if (!/^[A-Za-z0-9_-]{1,1366}$/.test(id)) throw notFound();
      await db.transaction().execute(async (tx) => {
        // The settings row lock serialises this with factor changes and other removals.
        const settings = await lockSettings(tx, tenantId, token.userId);
        const devices = await listCredentials(tx, tenantId, token.userId);
        if (!devices.some((device) => base64url(device.credential_id) === id)) throw notFound();
        // Removing the last device while devices are the only factor would lock the user out for good.
        if (!settings.is_code_allowed && !settings.is_totp_allowed && devices.length === 1) {
          throw invalidField("Allow another second factor before removing your last device");
        }
        await deleteCredential(tx, tenantId, token.userId, Buffer.from(id, "base64url"));
      });
    },
  };
}
