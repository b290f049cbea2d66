import { timingSafeEqual } from "node:crypto";
import { refuseLocked, type UserLocks } from "../identity/user-lock.js";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorSelectionCriteria,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { decodeAttestationObject } from "@simplewebauthn/server/helpers";
import type { AuditEventInput, AuditProduct } from "../audit/audit-event.js";
import { noAudit, reasonOf, type AuditLog } from "../audit/audit.service.js";
import type { RunInTransaction } from "../transaction.port.js";
import type { Clock } from "../clock.js";
import { isDomainError } from "../errors/domain-error.js";
import type { Ceremony, ChallengeStore, IssuedChallenge, PendingUser, UserVerification } from "./challenge.port.js";
import type { NewCredential, WebauthnCredential } from "./credential.js";
import type { CredentialStore } from "./credential.port.js";
import type { Attestation, WebauthnFailureKind, WebauthnPolicy } from "./webauthn-policy.js";
import { challengeOf, toBase64url, userHandle, userIdOfHandle } from "./webauthn-encoding.js";

/** The relying party, from `RP_ID`, `RP_NAME` and `ORIGIN`. */
export interface RelyingPartyConfig {
  id: string;
  name: string;
  origins: string[];
}

/** Who a registration is for and what it asks for beyond the policy's defaults. */
export interface RegistrationRequest {
  tenantId: string;
  /** The step of the product that issues it (`registration`, `device`, …): part of the challenge's purpose. */
  purpose: string;
  /** The user entity (WebAuthn level 3 §5.4.3); `id` is a UUID, sent as its 16 bytes. */
  user: { id: string; name: string; displayName: string };
  /** False for a user a registration will create (`pendingUser`): the challenge is then bound to no user yet. */
  existingUser: boolean;
  pendingUser?: PendingUser;
  attestation?: Attestation;
  authenticatorSelection?: AuthenticatorSelectionCriteria;
}

/** A login's options: for one user's credentials, or (userId null) a discoverable login. */
export interface LoginRequest {
  tenantId: string;
  purpose: string;
  userId: string | null;
  userVerification?: UserVerification;
}

/** Checks a product makes between the ceremony's own: each throws the product's error to refuse. */
export interface CeremonyChecks {
  /** The user the ceremony must be finished for: the challenge must have been issued to them (and, at login, the credential be theirs). */
  expectedUserId?: string;
  /** Runs on the challenge as issued, before the signature is checked. */
  issued?(issued: IssuedChallenge): void | Promise<void>;
  /** Runs on the credential found for an assertion, before its signature is checked. */
  credential?(credential: WebauthnCredential): void | Promise<void>;
}

/** A verified attestation, for the product to store (with `store`, or in a transaction of its own). */
export interface VerifiedRegistration {
  issued: IssuedChallenge;
  credential: Omit<NewCredential, "userId" | "product">;
}

/**
 * The WebAuthn ceremonies (WebAuthn level 3 §7.1, §7.2) for one product's policy: options,
 * single-use challenges bound to tenant, user and purpose that expire with the ceremony,
 * verification with @simplewebauthn/server, sign-count regression refused.
 */
export interface WebauthnCeremony {
  readonly policy: WebauthnPolicy;
  /** Creation options. Refuses `credential_limit`. */
  registrationOptions(request: RegistrationRequest): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Uses up the challenge and verifies the attestation; nothing is stored. */
  verifyRegistration(tenantId: string, purpose: string, response: RegistrationResponseJSON, checks?: CeremonyChecks): Promise<VerifiedRegistration>;
  /** Stores a verified credential for `userId` as the policy's product's, under the policy's cap. Refuses `credential_limit`, `credential_exists`. */
  store(tenantId: string, userId: string, credential: VerifiedRegistration["credential"], credentials?: CredentialStore, tx?: unknown): Promise<WebauthnCredential>;
  /** The user's credentials the policy lists, oldest first (`credentials` may be a transaction's store). */
  list(tenantId: string, userId: string, credentials?: CredentialStore): Promise<WebauthnCredential[]>;
  /** Renames the user's credential the policy manages (null clears the name); undefined when there is no such credential. */
  rename(tenantId: string, userId: string, credentialId: string, name: string | null, credentials?: CredentialStore): Promise<WebauthnCredential | undefined>;
  /** Deletes the user's credential the policy manages; false when there is no such credential. */
  remove(tenantId: string, userId: string, credentialId: string, credentials?: CredentialStore, tx?: unknown): Promise<boolean>;
  /** Request options. Refuses `no_credentials` for a user without any. */
  loginOptions(request: LoginRequest): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** Uses up the challenge, verifies the assertion and records the new sign count: the credential as it is now. */
  verifyLogin(tenantId: string, purpose: string, response: AuthenticationResponseJSON, checks?: CeremonyChecks): Promise<WebauthnCredential>;
  /**
   * As verifyLogin, then runs `then` (the product's session or token issue) in the transaction
   * that records the new sign count and the login's `login.succeeded` event: the three commit
   * together, and a refusal from `then` rolls them back and is recorded as `login.failed`.
   */
  finishLogin<T>(tenantId: string, purpose: string, response: AuthenticationResponseJSON, checks: CeremonyChecks, then: (tx: unknown, credential: WebauthnCredential) => Promise<T>): Promise<{ credential: WebauthnCredential; value: T }>;
}

/**
 * Creates the ceremony of one product over the challenge and credential stores. With `locks`, a
 * locked user's login is refused with USER_LOCKED at its start (options for their credentials)
 * and at its end (an assertion of a credential of theirs), in every product that uses it.
 */
export function createWebauthnCeremony(deps: {
  policy: WebauthnPolicy;
  rp: RelyingPartyConfig;
  challenges: ChallengeStore;
  credentials: CredentialStore;
  clock: Clock;
  locks?: UserLocks;
  /** Where registrations, removals and logins are recorded (each with the policy's product). */
  audit?: AuditLog<unknown>;
  /**
   * The store's transactions, and the credential store writing in one: a login's sign count, its
   * event and the product's issue commit in one. Unset: each writes on its own (unit tests).
   */
  transaction?: RunInTransaction<unknown>;
  credentialsIn?: (tx: unknown) => CredentialStore;
}): WebauthnCeremony {
  const { policy, rp, challenges, credentials, clock, locks } = deps;
  const transaction: RunInTransaction<unknown> = deps.transaction ?? ((work) => work(undefined));
  const credentialsIn = deps.credentialsIn ?? (() => credentials);
  const audit = deps.audit ?? noAudit;
  const product = policy.product as AuditProduct;
  // In the caller's transaction when it passes one (its credential store is that transaction's);
  // on its own only for a ceremony step with no transaction: a refused assertion, whose event must
  // be written although nothing of the refused login is kept.
  const record = (tx: unknown, event: AuditEventInput) => (tx === undefined ? audit.recordAlone(event) : audit.record(tx, event));
  const scope = policy.credentials;
  const refuse = (ceremony: Ceremony, kind: WebauthnFailureKind, detail: { cause?: unknown; format?: string } = {}) => policy.refuse({ ceremony, kind, ...detail });
  const purposeOf = (purpose: string) => `${policy.product}:${purpose}`;
  const expiry = () => new Date(clock.now().getTime() + policy.timeoutMs);
  /** What a response must match: the challenge, one of our origins, our RP id, and user verification if the ceremony required it. */
  const expected = (challenge: string, issued: IssuedChallenge) => ({
    expectedChallenge: challenge,
    expectedOrigin: rp.origins,
    expectedRPID: rp.id,
    requireUserVerification: issued.userVerification === "required",
  });

  /** Uses up the challenge in the response; refuses it unread, unknown, expired or of another user. */
  const consume = async (ceremony: Ceremony, tenantId: string, purpose: string, clientDataJson: string, checks: CeremonyChecks): Promise<{ challenge: string; issued: IssuedChallenge }> => {
    const challenge = challengeOf(clientDataJson);
    if (challenge === undefined) throw refuse(ceremony, "malformed");
    const consumed = await challenges.consume(tenantId, ceremony, purposeOf(purpose), challenge, clock.now());
    if ("refused" in consumed) throw refuse(ceremony, consumed.refused === "expired" ? "challenge_expired" : "challenge_unknown");
    if (checks.expectedUserId !== undefined && consumed.issued.userId !== checks.expectedUserId) throw refuse(ceremony, "user_mismatch");
    await checks.issued?.(consumed.issued);
    return { challenge, issued: consumed.issued };
  };

  return {
    policy,

    async registrationOptions(request) {
      const existing = request.existingUser ? await credentials.list(request.tenantId, request.user.id, scope.lists) : [];
      if (existing.length >= policy.maxCredentialsPerUser) throw refuse("registration", "credential_limit");
      const selection = request.authenticatorSelection ?? policy.registration.authenticatorSelection;
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userID: userHandle(request.user.id),
        userName: request.user.name,
        userDisplayName: request.user.displayName,
        timeout: policy.timeoutMs,
        attestationType: request.attestation ?? policy.registration.attestation,
        excludeCredentials: existing.map((credential) => ({ id: credential.credentialId, transports: credential.transports })),
        authenticatorSelection: selection,
        ...(policy.registration.algorithms === undefined ? {} : { supportedAlgorithmIDs: policy.registration.algorithms }),
      });
      await challenges.insert({
        tenantId: request.tenantId,
        userId: request.existingUser ? request.user.id : null,
        ceremony: "registration",
        purpose: purposeOf(request.purpose),
        challenge: options.challenge,
        expiresAt: expiry(),
        userVerification: selection.userVerification ?? "preferred",
        pendingUser: request.pendingUser,
      });
      return options;
    },

    async verifyRegistration(tenantId, purpose, response, checks = {}) {
      const { challenge, issued } = await consume("registration", tenantId, purpose, response.response.clientDataJSON, checks);
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response,
          ...expected(challenge, issued),
          ...(policy.registration.algorithms === undefined ? {} : { supportedAlgorithmIDs: policy.registration.algorithms }),
        });
      } catch (cause) {
        throw refuse("registration", "signature", { cause, format: attestationFormat(response) });
      }
      if (!verification.verified) throw refuse("registration", "signature", { format: attestationFormat(response) });
      const info = verification.registrationInfo;
      return {
        issued,
        credential: {
          credentialId: info.credential.id,
          publicKey: info.credential.publicKey,
          signCount: info.credential.counter,
          transports: response.response.transports ?? [],
          aaguid: info.aaguid,
          backedUp: info.credentialBackedUp,
        },
      };
    },

    async store(tenantId, userId, credential, store = credentials, tx) {
      const outcome = await store.insert(tenantId, { ...credential, userId, product: policy.product }, { max: policy.maxCredentialsPerUser, products: scope.lists });
      if ("refused" in outcome) throw refuse("registration", outcome.refused === "limit" ? "credential_limit" : "credential_exists");
      await record(tx, { type: "credential.registered", outcome: "success", product, tenantId, userId, details: { kind: "webauthn", credential_id: outcome.stored.credentialId } });
      return outcome.stored;
    },

    list: (tenantId, userId, store = credentials) => store.list(tenantId, userId, scope.lists),

    rename: (tenantId, userId, credentialId, name, store = credentials) => store.rename(tenantId, userId, credentialId, name, scope.manages),

    async remove(tenantId, userId, credentialId, store = credentials, tx) {
      const removed = await store.remove(tenantId, userId, credentialId, scope.manages);
      if (removed) await record(tx, { type: "credential.removed", outcome: "success", product, tenantId, userId, details: { kind: "webauthn", credential_id: credentialId } });
      return removed;
    },

    async loginOptions(request) {
      // A locked user starts no login (USER_LOCKED); a discoverable one is refused at its end.
      if (request.userId !== null) await refuseLocked(locks, request.userId);
      const allowed = request.userId === null ? undefined : await credentials.list(request.tenantId, request.userId, scope.lists);
      if (allowed !== undefined && allowed.length === 0) throw refuse("login", "no_credentials");
      const userVerification = request.userVerification ?? policy.loginUserVerification;
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        timeout: policy.timeoutMs,
        userVerification,
        ...(allowed === undefined ? {} : { allowCredentials: allowed.map((credential) => ({ id: credential.credentialId, transports: credential.transports })) }),
      });
      await challenges.insert({ tenantId: request.tenantId, userId: request.userId, ceremony: "login", purpose: purposeOf(request.purpose), challenge: options.challenge, expiresAt: expiry(), userVerification });
      return options;
    },

    verifyLogin: async (tenantId, purpose, response, checks = {}) => (await finishLogin(tenantId, purpose, response, checks, async () => undefined)).credential,
    finishLogin,
  };

  async function finishLogin<T>(tenantId: string, purpose: string, response: AuthenticationResponseJSON, checks: CeremonyChecks, then: (tx: unknown, credential: WebauthnCredential) => Promise<T>) {
    try {
      return await verifyLogin(tenantId, purpose, response, checks, then);
    } catch (error) {
      // A refused login writes its event although nothing of the login is kept (a database fault is no refusal).
      if (isDomainError(error)) {
        await audit.recordAlone({ type: "login.failed", outcome: "failure", product, tenantId, userId: checks.expectedUserId ?? null, reason: reasonOf(error), details: { factor: "webauthn", purpose } }).catch(() => undefined);
      }
      throw error;
    }
  }

  async function verifyLogin<T>(tenantId: string, purpose: string, response: AuthenticationResponseJSON, checks: CeremonyChecks, then: (tx: unknown, credential: WebauthnCredential) => Promise<T>) {
    const credentialId = toBase64url(response.id);
    if (!isAssertionShaped(response, credentialId)) throw refuse("login", "malformed");
    // The challenge is used up whatever happens next: an assertion is good for one try.
    const { challenge, issued } = await consume("login", tenantId, purpose, response.response.clientDataJSON, checks);
    const credential = await credentials.find(tenantId, credentialId, scope.logsInWith);
    // Another user's credential, or another product's, answers as an unknown one: the caller learns nothing about it.
    if (credential === undefined || (issued.userId !== null && issued.userId !== credential.userId)) throw refuse("login", "credential_unknown");
    await refuseLocked(locks, credential.userId);
    await checks.credential?.(credential);
    const handle = response.response.userHandle;
    // A discoverable credential names its user: it must be the credential's owner.
    if (handle !== undefined && handle !== "" && !isHandleOf(handle, credential)) throw refuse("login", "user_handle");
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        ...expected(challenge, issued),
        // Counter 0: the library checks the signature only; the counter is checked below, once it is signed.
        credential: { id: credentialId, publicKey: new Uint8Array(credential.publicKey), counter: 0, transports: credential.transports },
      });
    } catch (cause) {
      throw refuse("login", "signature", { cause });
    }
    if (!verification.verified) throw refuse("login", "signature");
    const { newCounter } = verification.authenticationInfo;
    // A counter that did not grow means a cloned authenticator; 0 and 0 is one that keeps none.
    if ((newCounter > 0 || credential.signCount > 0) && newCounter <= credential.signCount) throw refuse("login", "counter");
    const now = clock.now();
    return transaction(async (tx) => {
      if (!(await credentialsIn(tx).recordSignCount(credential.id, credential.signCount, newCounter, now))) throw refuse("login", "counter");
      const used: WebauthnCredential = { ...credential, signCount: newCounter, lastUsedAt: now, updatedAt: now };
      // The login's event and those of the product's issue (session.issued) go in one statement.
      return audit.together(tx, async () => {
        await record(tx, { type: "login.succeeded", outcome: "success", product, tenantId, userId: used.userId, details: { factor: "webauthn", purpose, credential_id: used.credentialId } });
        return { credential: used, value: await then(tx, used) };
      });
    });
  }
}

/** True when a discoverable credential's user handle names its owner: their UUID, or the handle it was imported with. */
function isHandleOf(handle: string, credential: WebauthnCredential): boolean {
  if (userIdOfHandle(handle) === credential.userId) return true;
  const imported = credential.userHandle;
  if (imported === undefined || imported === null) return false;
  const given = Buffer.from(toBase64url(handle), "base64url");
  const stored = Buffer.from(imported, "base64url");
  return given.length === stored.length && timingSafeEqual(given, stored);
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

/** The `fmt` of an attestation object (WebAuthn level 3 §6.5), for the product's reason; "" when unreadable. */
function attestationFormat(response: RegistrationResponseJSON): string {
  try {
    const fmt: unknown = decodeAttestationObject(Buffer.from(toBase64url(response.response.attestationObject), "base64url")).get("fmt");
    return typeof fmt === "string" ? fmt : "";
  } catch {
    return "";
  }
}
