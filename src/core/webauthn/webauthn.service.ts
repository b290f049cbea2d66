import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorSelectionCriteria,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import type { Kysely } from "kysely";
import { DomainError } from "../errors/domain-error.js";
import { requireUuid } from "../errors/uuid.js";
import { findPrimaryEmail } from "../../store/identity/email.store.js";
import type { Schema } from "../../store/schema.js";
import { verifyAssertion, type RelyingPartyConfig } from "./assertion.js";
import { consumeChallenge, insertChallenge } from "../../store/webauthn/challenge.store.js";
import { base64url, challengeOf, toBase64url, userHandle } from "./webauthn-encoding.js";
import { deleteCredential, findCredential, insertCredential, listCredentials, renameCredential, type CredentialRow } from "../../store/webauthn/webauthn.store.js";

export type { RelyingPartyConfig } from "./assertion.js";

/** Credentials one user may hold: at least 10 registrations always pass. */
export const maxCredentialsPerUser = 20;
/** Milliseconds a ceremony may take; its challenge expires with it. */
export const ceremonyTimeoutMs = 60_000;

/**
 * How one API asks for new credentials; Hanko's defaults (attestation `none`, a resident key
 * preferred, the library's algorithms, the primary email as name) when a member is unset.
 */
export interface RegistrationProfile {
  attestation?: "none" | "direct";
  authenticatorSelection?: AuthenticatorSelectionCriteria;
  /** COSE algorithm ids, preferred first. */
  algorithms?: number[];
  /** The user's name and display name. */
  userName?: string;
}

/** WebAuthn ceremonies (WebAuthn level 3) and credential management for one tenant. */
export interface WebauthnService {
  registrationOptions(userId: string, profile?: RegistrationProfile): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Throws WEBAUTHN_REGISTRATION_FAILED (invalid) for anything it cannot verify. */
  finishRegistration(userId: string, response: RegistrationResponseJSON, profile?: RegistrationProfile): Promise<CredentialRow>;
  /** With a user id: that user's credentials are allowed; without: a discoverable login. */
  loginOptions(userId: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /**
   * Throws WEBAUTHN_MALFORMED_ASSERTION (invalid) for an assertion missing a member and
   * WEBAUTHN_LOGIN_FAILED (unauthenticated) for anything it cannot verify. With `expectedUserId`
   * the challenge must have been issued for that user (not a discoverable login's, nor another
   * user's) and the credential must be theirs.
   */
  finishLogin(response: AuthenticationResponseJSON, expectedUserId?: string): Promise<{ userId: string; credentialId: string }>;
  list(userId: string): Promise<CredentialRow[]>;
  rename(userId: string, credentialId: string, name: string): Promise<void>;
  remove(userId: string, credentialId: string): Promise<void>;
}

/** Creates the WebAuthn service. */
export function createWebauthnService(deps: { db: Kysely<Schema>; tenantId: string; rp: RelyingPartyConfig }): WebauthnService {
  const { db, tenantId, rp } = deps;
  const expiry = () => new Date(Date.now() + ceremonyTimeoutMs);
  const registrationFailed = (cause?: unknown) => new DomainError("WEBAUTHN_REGISTRATION_FAILED", "invalid", "the attestation could not be verified", { cause });
  const loginFailed = (cause?: unknown) => new DomainError("WEBAUTHN_LOGIN_FAILED", "unauthenticated", "Unauthorized", { cause });
  const notFound = () => new DomainError("CREDENTIAL_NOT_FOUND", "not_found", "credential not found");
  const credentialBytes = (id: string) => {
    const normalized = toBase64url(id);
    if (!/^[A-Za-z0-9_-]{1,1366}$/.test(normalized)) throw notFound();
    return Buffer.from(normalized, "base64url");
  };

  return {
    async registrationOptions(userId, profile = {}) {
      const existing = await listCredentials(db, tenantId, userId);
      if (existing.length >= maxCredentialsPerUser) {
        throw new DomainError("CREDENTIAL_LIMIT", "conflict", `a user can hold at most ${maxCredentialsPerUser} credentials`);
      }
      const name = profile.userName ?? (await findPrimaryEmail(db, tenantId, userId))?.address ?? userId;
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userID: userHandle(userId),
        userName: name,
        userDisplayName: name,
        timeout: ceremonyTimeoutMs,
        attestationType: profile.attestation ?? "none",
        excludeCredentials: existing.map((credential) => ({ id: base64url(credential.credential_id), transports: credential.transports })),
        authenticatorSelection: profile.authenticatorSelection ?? { residentKey: "preferred", userVerification: "preferred" },
        ...(profile.algorithms === undefined ? {} : { supportedAlgorithmIDs: profile.algorithms }),
      });
      await insertChallenge(db, { tenantId, userId, ceremony: "registration", challenge: options.challenge, expiresAt: expiry() });
      return options;
    },

    async finishRegistration(userId, response, profile = {}) {
      const challenge = challengeOf(response.response.clientDataJSON);
      const issued = challenge === undefined ? undefined : await consumeChallenge(db, tenantId, "registration", challenge);
      if (issued === undefined || issued.userId !== userId) throw registrationFailed();
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: challenge!,
          expectedOrigin: rp.origins, expectedRPID: rp.id,
          requireUserVerification: false,
          ...(profile.algorithms === undefined ? {} : { supportedAlgorithmIDs: profile.algorithms }),
        });
      } catch (error) {
        throw registrationFailed(error);
      }
      if (!verification.verified) throw registrationFailed();
      const info = verification.registrationInfo;
      if ((await listCredentials(db, tenantId, userId)).length >= maxCredentialsPerUser) {
        throw new DomainError("CREDENTIAL_LIMIT", "conflict", `a user can hold at most ${maxCredentialsPerUser} credentials`);
      }
      const stored = await insertCredential(db, {
        tenantId,
        userId,
        credentialId: Buffer.from(info.credential.id, "base64url"),
        publicKey: info.credential.publicKey,
        signCount: info.credential.counter,
        transports: response.response.transports ?? [],
        aaguid: info.aaguid,
        backedUp: info.credentialBackedUp,
      });
      if (stored === undefined) throw new DomainError("CREDENTIAL_EXISTS", "conflict", "the credential is already registered");
      return stored;
    },

    async loginOptions(userId) {
      let allowCredentials: Array<{ id: string; transports: string[] }> | undefined;
      let owner: string | null = null;
      if (userId !== "") {
        owner = requireUuid(userId, "user_id");
        const credentials = await listCredentials(db, tenantId, owner);
        if (credentials.length === 0) throw new DomainError("UNKNOWN_USER", "invalid", "the user has no WebAuthn credential");
        allowCredentials = credentials.map((credential) => ({ id: base64url(credential.credential_id), transports: credential.transports }));
      }
      const options = await generateAuthenticationOptions({ rpID: rp.id, timeout: ceremonyTimeoutMs, userVerification: "preferred", ...(allowCredentials ? { allowCredentials } : {}) });
      await insertChallenge(db, { tenantId, userId: owner, ceremony: "login", challenge: options.challenge, expiresAt: expiry() });
      return options;
    },

    async finishLogin(response, expectedUserId) {
      // Like Hanko, an assertion that cannot be parsed is a bad request (400); one that parses
      // but does not verify is a failed login (401).
      const challenge = challengeOf(response.response.clientDataJSON);
      const credentialId = toBase64url(response.id);
      if (challenge === undefined || !isAssertionShaped(response, credentialId)) {
        throw new DomainError("WEBAUTHN_MALFORMED_ASSERTION", "invalid", "the assertion is malformed");
      }
      const credential = await findCredential(db, tenantId, Buffer.from(credentialId, "base64url"));
      // The challenge is used up whatever happens next: an assertion is good for one try.
      const issued = await consumeChallenge(db, tenantId, "login", challenge);
      if (credential === undefined || issued === undefined) throw loginFailed();
      if (issued.userId !== null && issued.userId !== credential.user_id) throw loginFailed();
      if (expectedUserId !== undefined && (issued.userId !== expectedUserId || credential.user_id !== expectedUserId)) throw loginFailed();
      const handle = response.response.userHandle;
      // A discoverable credential names its user: it must be the credential's owner.
      if (handle !== undefined && handle !== "" && toBase64url(handle) !== base64url(userHandle(credential.user_id))) {
        throw loginFailed();
      }
      const outcome = await verifyAssertion(db, rp, credential, response, { challenge, credentialId, requireUserVerification: false });
      if (!outcome.verified) throw loginFailed(outcome.cause);
      return { userId: credential.user_id, credentialId };
    },

    list: (userId) => listCredentials(db, tenantId, userId),

    async rename(userId, credentialId, name) {
      const trimmed = name.trim();
      if (trimmed === "" || [...trimmed].length > 128) {
        throw new DomainError("INVALID_NAME", "invalid", "name must be 1 to 128 characters", { details: { details: [{ path: "name", error: "length" }] } });
      }
      if ((await renameCredential(db, tenantId, userId, credentialBytes(credentialId), trimmed)) === undefined) throw notFound();
    },

    async remove(userId, credentialId) {
      if (!(await deleteCredential(db, tenantId, userId, credentialBytes(credentialId)))) throw notFound();
    },
  };
}

/** True when an assertion has every member, base64url where binary (WebAuthn level 3 §5.2.2). */
function isAssertionShaped(response: AuthenticationResponseJSON, credentialId: string): boolean {
  const binary = /^[A-Za-z0-9_-]+$/;
  const authenticatorData = toBase64url(response.response.authenticatorData);
  return (
    response.type === "public-key" &&
    /^[A-Za-z0-9_-]{1,1366}$/.test(credentialId) &&
    binary.test(authenticatorData) &&
    // rpIdHash (32), flags (1) and signCount (4) at least.
    Buffer.from(authenticatorData, "base64url").length >= 37 &&
    binary.test(toBase64url(response.response.signature))
  );
}
