import { randomUUID } from "node:crypto";
import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import type { Clock } from "../../core/clock.js";
import type { Challenges } from "../../core/challenge/challenge.service.js";
import type { StoredChallenge } from "../../core/challenge/challenge.port.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { isUuid } from "../../core/errors/uuid.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import { newTotpSecret, totpUri } from "../../core/totp/totp.js";
import { useTotpCode } from "../../core/totp/totp-code.js";
import {
  checkForcedId,
  codeAlphabet,
  FieldProblems,
  generateCode,
  maxCodeLength,
  maxForcedCodeLength,
  maxLifetimeSeconds,
  minCodeLength,
  parseLifetime,
  renderTemplate,
  requireMethod,
  type VerificationMethod,
} from "./verification-input.js";
import type { ConsumerTotpStore } from "./jincor.port.js";
import { verificationPolicy } from "./policy.js";

/** A verification as callers see it: never its code. */
export interface Verification {
  id: string;
  method: VerificationMethod;
  consumer: string;
  attempts: number;
  expiresAt: Date;
  payload: Record<string, unknown> | undefined;
}

/** What `initiate` takes: Jincor's body, with absent parts undefined. */
export interface InitiateInput {
  method: string;
  consumer: string;
  issuer: string;
  template: { body: string; subject: string } | undefined;
  generateCode: { length: number; symbolSet: readonly string[] } | undefined;
  policy: { expiredOn: string; forcedVerificationId: string; forcedCode: string } | undefined;
  payload: Record<string, unknown> | undefined;
}

/** Jincor VERIFY: email, phone and TOTP (google_auth) verifications. */
export interface VerificationService {
  /**
   * Starts a verification and queues its message (email, phone), or offers a TOTP secret
   * (google_auth: `totpUri` while the consumer's secret is temporary). Throws
   * METHOD_NOT_SUPPORTED, INVALID_REQUEST (each invalid field, or a forced id in use).
   */
  initiate(input: InitiateInput): Promise<{ verification: Verification; totpUri: string | undefined }>;
  /**
   * Checks a code; the right one consumes the verification (and, for google_auth, confirms
   * the secret, or removes it with `removeSecret`). Throws METHOD_NOT_SUPPORTED,
   * INVALID_REQUEST (no code), VERIFICATION_NOT_FOUND (unknown, consumed, expired, dead),
   * INVALID_CODE with `details.data` (the verification, attempts counted up).
   */
  validate(method: string, id: string, code: string, removeSecret: boolean): Promise<Verification>;
  /** A live verification. Throws METHOD_NOT_SUPPORTED, VERIFICATION_NOT_FOUND. */
  get(method: string, id: string): Promise<Verification>;
  /** Invalidates a live verification. Throws METHOD_NOT_SUPPORTED, VERIFICATION_NOT_FOUND. */
  remove(method: string, id: string): Promise<void>;
}

/** Jincor's JSON view of a verification: its `data`. */
export function verificationData(verification: Verification): Record<string, unknown> {
  return {
    verificationId: verification.id,
    consumer: verification.consumer,
    expiredOn: Math.floor(verification.expiresAt.getTime() / 1000),
    ...(verification.payload === undefined ? {} : { payload: verification.payload }),
    attempts: verification.attempts,
  };
}

const notFound = () => new DomainError("VERIFICATION_NOT_FOUND", "not_found", "Not found");
const idTaken = () =>
  new DomainError("VERIFICATION_ID_TAKEN", "invalid", "policy.forcedVerificationId is in use", {
    details: { details: [{ path: "policy.forcedVerificationId", error: "is already in use" }] },
  });

/** Creates the verification service over one tenant's challenges and TOTP secrets. */
export function createVerificationService<Tx>(deps: {
  tenantId: string;
  secrets: SecretBox;
  challenges: Challenges<Tx>;
  totpSecrets: ConsumerTotpStore<Tx>;
  /** Wakes the outbox after a verification's transaction commits. */
  nudgeOutbox: () => void;
  /** The time TOTP steps are counted in. */
  clock: Clock;
  /** Where a consumer's TOTP secret confirmed or removed is recorded, in the validation's transaction. */
  audit?: AuditLog<Tx>;
}): VerificationService {
  const { tenantId, secrets, challenges, totpSecrets, clock } = deps;
  const audit: AuditLog<Tx> = deps.audit ?? noAudit;
  const totpContext = (consumer: string) => `totp:${tenantId}:${consumer}`;
  // An id that is not a UUID names no verification.
  const target = (id: string) => {
    if (!isUuid(id)) throw notFound();
    return { id: id.toLowerCase() };
  };
  // A verification of another method is not found either.
  const ofMethod = (method: VerificationMethod, challenge: StoredChallenge | undefined) => (challenge?.data.method === method ? challenge : undefined);

  return {
    async initiate(input) {
      const method = requireMethod(input.method);
      const checked = checkInitiate(method, input);
      const id = checked.forcedId ?? randomUUID();
      let uri: string | undefined;
      const { challenge } = await challenges.issue(verificationPolicy, {
        id,
        secret: checked.code ?? null,
        ttlSeconds: checked.lifetimeSeconds,
        data: { method, consumer: input.consumer, ...(input.payload === undefined ? {} : { payload: input.payload }) },
        idTaken,
        // Written with the verification: a refused initiate leaves no new secret.
        async alongside(tx) {
          if (method !== "google_auth") return;
          const secret = newTotpSecret();
          const offered = await totpSecrets.offer(tx, input.consumer, secrets.encrypt(Buffer.from(secret), totpContext(input.consumer)));
          if (offered) uri = totpUri(input.issuer, input.consumer, secret);
        },
        message: (code) =>
          code === null || input.template === undefined
            ? undefined
            : {
                channel: method === "email" ? "email" : "sms",
                recipient: input.consumer,
                subject: input.template.subject === "" ? "Verification code" : input.template.subject,
                body: renderTemplate(input.template.body, code, id),
              },
      });
      if (method !== "google_auth") deps.nudgeOutbox();
      return { verification: toVerification(challenge), totpUri: uri };
    },

    async validate(methodName, id, code, removeSecret) {
      const method = requireMethod(methodName);
      if (code === "") {
        throw new DomainError("INVALID_REQUEST", "invalid", "code is required", { details: { details: [{ path: "code", error: "is required" }] } });
      }
      const found = target(id);
      if (ofMethod(method, await challenges.peek(verificationPolicy, found)) === undefined) throw notFound();
      const { challenge } = await challenges.verify(verificationPolicy, found, code, {
        // google_auth: the consumer's TOTP secret answers; a step already used is refused, so
        // the same TOTP code never validates twice.
        ...(method !== "google_auth"
          ? {}
          : {
              async alternative(tx: Tx, challenge: StoredChallenge) {
                const consumer = String(challenge.data.consumer);
                const secret = await totpSecrets.lock(tx, consumer);
                if (secret === undefined) return false;
                const opened = secrets.decrypt(secret.sealedSecret, totpContext(consumer)).toString();
                const step = await useTotpCode({ secret: opened, code, holder: consumer, steps: totpSecrets.usedSteps(tx), clock });
                if (step === undefined) return false;
                // Setting up or removing the second factor is a factor setting changed; a code of
                // a confirmed secret only verifies (code.verified, by the challenge).
                const change = removeSecret ? ((await totpSecrets.remove(tx, consumer)) ? "removed" : undefined) : (await totpSecrets.confirm(tx, consumer)) ? "confirmed" : undefined;
                if (change !== undefined) {
                  await audit.record(tx, { type: "factor_settings.changed", outcome: "success", product: "jincor", details: { factor: "totp", change, verification_id: challenge.id } });
                }
                return true;
              },
            }),
        details: (refusal, challenge) => (challenge === undefined || (refusal !== "wrong" && refusal !== "burned") ? undefined : { data: verificationData(toVerification(challenge)) }),
      });
      return toVerification(challenge);
    },

    async get(methodName, id) {
      const method = requireMethod(methodName);
      const challenge = ofMethod(method, await challenges.find(verificationPolicy, target(id)));
      if (challenge === undefined) throw notFound();
      return toVerification(challenge);
    },

    async remove(methodName, id) {
      const method = requireMethod(methodName);
      const found = target(id);
      if (ofMethod(method, await challenges.find(verificationPolicy, found)) === undefined || !(await challenges.close(verificationPolicy, found))) throw notFound();
    },
  };
}

/** Validates an initiate body; throws INVALID_REQUEST naming every invalid field. */
function checkInitiate(method: VerificationMethod, input: InitiateInput): { code: string | undefined; lifetimeSeconds: number; forcedId: string | undefined } {
  const problems = new FieldProblems();
  if (input.consumer.trim() === "") problems.add("consumer", "is required");
  else if (method === "email" && !/^[^\s@]+@[^\s@]+$/.test(input.consumer)) problems.add("consumer", "must be an email address");
  else if (method === "phone" && !/^\+?[0-9][0-9 ()-]{4,30}$/.test(input.consumer)) problems.add("consumer", "must be a phone number");
  else if (input.consumer.length > 320) problems.add("consumer", "is too long");

  const lifetime = input.policy === undefined || input.policy.expiredOn === "" ? undefined : parseLifetime(input.policy.expiredOn);
  if (input.policy === undefined || input.policy.expiredOn === "") problems.add("policy.expiredOn", "is required");
  else if (lifetime === undefined || lifetime > maxLifetimeSeconds) problems.add("policy.expiredOn", "must be HH:MM:SS, from 00:00:01 to 99:59:59");
  const forcedId = checkForcedId(input.policy?.forcedVerificationId ?? "", problems);

  let code: string | undefined;
  if (method !== "google_auth") {
    if (input.template === undefined || input.template.body === "") problems.add("template.body", "is required");
    const forcedCode = input.policy?.forcedCode ?? "";
    if (forcedCode !== "") {
      if (forcedCode.length > maxForcedCodeLength) problems.add("policy.forcedCode", `must be at most ${maxForcedCodeLength} characters`);
      else code = forcedCode;
    } else if (input.generateCode === undefined) {
      problems.add("generateCode", "is required");
    } else {
      const { length, symbolSet } = input.generateCode;
      if (!Number.isInteger(length) || length < minCodeLength || length > maxCodeLength) {
        problems.add("generateCode.length", `Incorrect number format: must be from ${minCodeLength} to ${maxCodeLength}`);
      }
      const alphabet = codeAlphabet(symbolSet);
      if (typeof alphabet !== "string") problems.add("generateCode.symbolSet", alphabet.error);
      else if (problems.problems.length === 0) code = generateCode(alphabet, length);
    }
  }
  problems.throwIfAny();
  return { code, lifetimeSeconds: lifetime ?? 0, forcedId };
}

function toVerification(challenge: StoredChallenge): Verification {
  return {
    id: challenge.id,
    method: challenge.data.method as VerificationMethod,
    consumer: String(challenge.data.consumer),
    attempts: challenge.attempts,
    expiresAt: challenge.expiresAt,
    payload: challenge.data.payload as Record<string, unknown> | undefined,
  };
}
