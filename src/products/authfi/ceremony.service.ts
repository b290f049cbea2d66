import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/server";
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { PendingUser, Schema } from "../../store/schema.js";
import { verifyAssertion, type RelyingPartyConfig } from "../../core/webauthn/assertion.js";
import { consumeChallenge, insertChallenge, isExpiredChallenge, type IssuedChallenge } from "../../store/webauthn/challenge.store.js";
import { base64url, userHandle, userIdOfHandle } from "../../core/webauthn/webauthn-encoding.js";
import { findCredential, insertCredential, listCredentials, type CredentialRow } from "../../store/webauthn/webauthn.store.js";
import { attestationError, authfiError } from "./authfi-errors.js";
import { checkRegistrationParams, checkUserVerification, type RegistrationParams } from "./authfi-options.js";
import { countUsers, findUser, findUserByName, insertUser, type AuthfiUserRow } from "../../store/authfi/authfi-user.store.js";
import { checkFlags, parseAssertion, parseAttestation, type AssertionInput, type AttestationInput } from "./fido-response.js";
import type { AccessPoint } from "./tenant.service.js";

/** Keys one AuthFi user may hold (seed 003, code 3001). */
export const maxKeysPerUser = 10;
/** Milliseconds an AuthFi ceremony may take; its challenge expires with it. */
export const authfiCeremonyTimeoutMs = 300_000;

/** A user and the key a ceremony registered or used. */
export interface CeremonyResult {
  user: AuthfiUserRow;
  key: CredentialRow;
}

/** AuthFi's WebAuthn ceremonies (seed 003) for an access point: registration, login, verification. */
export interface AuthfiCeremonyService {
  beginRegistration(accessPoint: AccessPoint, params: RegistrationParams): Promise<PublicKeyCredentialCreationOptionsJSON>;
  finishRegistration(accessPoint: AccessPoint, input: AttestationInput | undefined): Promise<CeremonyResult>;
  beginLogin(accessPoint: AccessPoint, userVerification: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  finishLogin(accessPoint: AccessPoint, input: AssertionInput | undefined): Promise<CeremonyResult>;
  beginVerification(accessPoint: AccessPoint, accountName: string, userVerification: string): Promise<PublicKeyCredentialRequestOptionsJSON>;
  finishVerification(accessPoint: AccessPoint, input: AssertionInput | undefined): Promise<CeremonyResult>;
}

/** Creates the AuthFi ceremony service over the shared WebAuthn machinery. */
export function createAuthfiCeremonyService(deps: { db: Kysely<Schema>; rp: RelyingPartyConfig }): AuthfiCeremonyService {
  const { db, rp } = deps;
  const expiry = () => new Date(Date.now() + authfiCeremonyTimeoutMs);
  const descriptor = (key: CredentialRow) => ({ id: base64url(key.credential_id), transports: key.transports as never });

  /** Uses up the challenge; 5000 when it outlived the ceremony, 4000 when never issued or used. */
  const consume = async (tenantId: string, ceremony: "registration" | "login", challenge: string): Promise<IssuedChallenge> => {
    const issued = await consumeChallenge(db, tenantId, ceremony, challenge);
    if (issued !== undefined) return issued;
    if (await isExpiredChallenge(db, tenantId, ceremony, challenge)) throw authfiError("timeout", "the ceremony took longer than its timeout");
    throw authfiError("clientData", "clientDataJSON carries a challenge this access point did not issue or already used");
  };

  const usable = (user: AuthfiUserRow | undefined): AuthfiUserRow => {
    if (user === undefined) throw authfiError("userNotFound", "no such user");
    if (user.state === "suspend") throw authfiError("userSuspended", "the user is suspended");
    return user;
  };

  /** Creates the user a registration started for, under the tenant lock that keeps the cap. */
  const createPendingUser = async (tx: Kysely<Schema>, accessPoint: AccessPoint, pending: PendingUser): Promise<AuthfiUserRow> => {
    const count = await countUsers(tx, accessPoint.tenantId, true);
    // The same account name registered meanwhile under another handle: this key's handle
    // would name no user, so the ceremony must start again.
    if ((await findUserByName(tx, accessPoint.tenantId, pending.name)) !== undefined) throw authfiError("keyExists", "the account was registered meanwhile: start the registration again");
    if (accessPoint.userCap !== null && count >= accessPoint.userCap) throw authfiError("userCap", "the access point has as many users as it may");
    return insertUser(tx, accessPoint.tenantId, pending);
  };

  const finishAssertion = async (accessPoint: AccessPoint, input: AssertionInput | undefined, field: string, forVerification: boolean): Promise<CeremonyResult> => {
    const { tenantId } = accessPoint;
    const parsed = parseAssertion(input, rp, field);
    const issued = await consume(tenantId, "login", parsed.challenge);
    if (forVerification && issued.userId === null) throw authfiError("clientData", "clientDataJSON carries a login challenge, not a verification one");
    if (!forVerification && issued.userId !== null) throw authfiError("clientData", "clientDataJSON carries a verification challenge, not a login one");
    const required = issued.userVerification === "required";
    checkFlags(parsed.flags, required);
    const key = await findCredential(db, tenantId, parsed.credentialId);
    if (key === undefined || (issued.userId !== null && issued.userId !== key.user_id)) throw authfiError("keyNotFound", "no such key for this ceremony");
    const user = await findUser(db, tenantId, key.user_id);
    if (user === undefined) throw authfiError("inconsistent", "the key's user has no AuthFi record");
    usable(user);
    const handle = parsed.response.response.userHandle;
    // A discoverable credential names its user: it must be the key's owner.
    if (handle !== undefined && userIdOfHandle(handle) !== key.user_id) throw authfiError("assertionRefused", "the user handle is not the key's user");
    const outcome = await verifyAssertion(db, rp, key, parsed.response, { challenge: parsed.challenge, credentialId: parsed.response.id, requireUserVerification: required });
    if (!outcome.verified) throw authfiError("assertionRefused", "the assertion does not verify", outcome.cause);
    return { user, key: { ...key, sign_count: outcome.newCounter, updated_at: new Date() } };
  };

  return {
    async beginRegistration(accessPoint, params) {
      const { tenantId } = accessPoint;
      const checked = checkRegistrationParams(params);
      const existing = await findUserByName(db, tenantId, checked.name);
      // A new account is created only when its first key registers (finishRegistration): an
      // abandoned start leaves no user behind and uses up no place under the user cap.
      const pendingUser = existing === undefined ? { id: randomUUID(), name: checked.name, displayName: checked.displayName } : undefined;
      if (existing === undefined && accessPoint.userCap !== null && (await countUsers(db, tenantId)) >= accessPoint.userCap) {
        throw authfiError("userCap", "the access point has as many users as it may");
      }
      if (existing !== undefined) usable(existing);
      const keys = existing === undefined ? [] : await listCredentials(db, tenantId, existing.user_id);
      if (keys.length >= maxKeysPerUser) throw authfiError("keyLimit", `a user can register at most ${maxKeysPerUser} keys`);
      const user = existing === undefined ? { user_id: pendingUser!.id, name: checked.name, display_name: checked.displayName } : existing;
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userID: userHandle(user.user_id),
        userName: user.name,
        userDisplayName: user.display_name,
        timeout: authfiCeremonyTimeoutMs,
        attestationType: checked.attestation === "indirect" ? "direct" : checked.attestation,
        excludeCredentials: keys.map(descriptor),
        authenticatorSelection: checked.selection,
      });
      const userVerification = checked.selection.userVerification ?? "preferred";
      await insertChallenge(db, { tenantId, userId: existing?.user_id ?? null, ceremony: "registration", challenge: options.challenge, expiresAt: expiry(), userVerification, pendingUser });
      return { ...options, attestation: checked.attestation };
    },

    async finishRegistration(accessPoint, input) {
      const { tenantId } = accessPoint;
      const parsed = parseAttestation(input, rp);
      const issued = await consume(tenantId, "registration", parsed.challenge);
      const required = issued.userVerification === "required";
      checkFlags(parsed.flags, required);
      let verification;
      try {
        verification = await verifyRegistrationResponse({ response: parsed.response, expectedChallenge: parsed.challenge, expectedOrigin: rp.origins, expectedRPID: rp.id, requireUserVerification: required });
      } catch (cause) {
        throw attestationError(parsed.fmt, cause);
      }
      if (!verification.verified) throw attestationError(parsed.fmt);
      const info = verification.registrationInfo;
      return db.transaction().execute(async (tx) => {
        const user = usable(issued.userId !== null ? await findUser(tx, tenantId, issued.userId, true) : issued.pendingUser === null ? undefined : await createPendingUser(tx, accessPoint, issued.pendingUser));
        if ((await listCredentials(tx, tenantId, user.user_id)).length >= maxKeysPerUser) {
          throw authfiError("keyLimit", `a user can register at most ${maxKeysPerUser} keys`);
        }
        const key = await insertCredential(tx, {
          tenantId,
          userId: user.user_id,
          credentialId: Buffer.from(info.credential.id, "base64url"),
          publicKey: info.credential.publicKey,
          signCount: info.credential.counter,
          transports: parsed.response.response.transports ?? [],
          aaguid: info.aaguid,
          backedUp: info.credentialBackedUp,
        });
        if (key === undefined) throw authfiError("keyExists", "the key is already registered at this access point");
        return { user, key };
      });
    },

    async beginLogin(accessPoint, userVerification) {
      const uv = checkUserVerification(userVerification);
      const options = await generateAuthenticationOptions({ rpID: rp.id, timeout: authfiCeremonyTimeoutMs, userVerification: uv });
      await insertChallenge(db, { tenantId: accessPoint.tenantId, userId: null, ceremony: "login", challenge: options.challenge, expiresAt: expiry(), userVerification: uv });
      return options;
    },

    finishLogin: (accessPoint, input) => finishAssertion(accessPoint, input, "fido_login_response", false),

    async beginVerification(accessPoint, accountName, userVerification) {
      const { tenantId } = accessPoint;
      if (accountName.trim() === "") throw authfiError("invalidParameter", "uId is required");
      const uv = checkUserVerification(userVerification);
      const user = usable(await findUserByName(db, tenantId, accountName.trim()));
      const keys = await listCredentials(db, tenantId, user.user_id);
      if (keys.length === 0) throw authfiError("keyNotFound", "the user has no key");
      const options = await generateAuthenticationOptions({ rpID: rp.id, timeout: authfiCeremonyTimeoutMs, userVerification: uv, allowCredentials: keys.map(descriptor) });
      await insertChallenge(db, { tenantId, userId: user.user_id, ceremony: "login", challenge: options.challenge, expiresAt: expiry(), userVerification: uv });
      return options;
    },

    finishVerification: (accessPoint, input) => finishAssertion(accessPoint, input, "fido_auth_response", true),
  };
}
