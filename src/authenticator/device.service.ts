import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { Kysely } from "kysely";
import { DomainError, isDomainError } from "../errors/domain-error.js";
import type { Schema } from "../store/schema.js";
import type { RegistrationProfile, WebauthnService } from "../webauthn/webauthn.service.js";
import type { AccessTokens, TokenCredentials } from "./access-token.service.js";
import { contactName } from "./contact.js";

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
  /** Creation options. Throws as `authenticate`, CREDENTIAL_LIMIT. */
  options(credentials: TokenCredentials): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Verifies the attestation and stores the device; its id (base64url). Throws WEBAUTHN_REGISTRATION_FAILED. */
  register(credentials: TokenCredentials, response: RegistrationResponseJSON): Promise<string>;
  /** Removes one of the user's devices. Throws DEVICE_NOT_FOUND. */
  remove(credentials: TokenCredentials, deviceId: string): Promise<void>;
}

/** Creates the device service. */
export function createDeviceService(deps: { db: Kysely<Schema>; tenantId: string; tokens: AccessTokens; webauthn: WebauthnService }): DeviceService {
  const { db, tenantId, tokens, webauthn } = deps;
  return {
    async options(credentials) {
      const token = await tokens.authenticate(credentials, "authorized");
      return webauthn.registrationOptions(token.userId, deviceProfile(await contactName(db, tenantId, token.userId)));
    },
    async register(credentials, response) {
      const token = await tokens.authenticate(credentials, "authorized");
      const stored = await webauthn.finishRegistration(token.userId, response, deviceProfile(""));
      return Buffer.from(stored.credential_id).toString("base64url");
    },
    async remove(credentials, deviceId) {
      const token = await tokens.authenticate(credentials, "authorized");
      try {
        await webauthn.remove(token.userId, deviceId);
      } catch (error) {
        if (isDomainError(error) && error.reason === "CREDENTIAL_NOT_FOUND") throw new DomainError("DEVICE_NOT_FOUND", "not_found", "No such device", { cause: error });
        throw error;
      }
    },
  };
}
