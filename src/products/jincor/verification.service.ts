import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { enqueueMessage } from "../../delivery/outbox.store.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { isUuid } from "../../core/errors/uuid.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { Schema } from "../../store/schema.js";
import { matchTotpStep, newTotpSecret, totpUri } from "../../core/totp/totp.js";
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
import {
  closeVerification,
  countWrongCode,
  deleteTotpSecret,
  findLiveVerification,
  insertVerification,
  lockTotpSecret,
  offerTotpSecret,
  useTotpStep,
  type VerificationRow,
} from "../../store/jincor/verification.store.js";

/** Wrong codes a verification survives: the 5th kills it (DESIGN.md: 5 wrong codes pass). */
export const verificationMaxAttempts = 5;

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

/** Creates the verification service. */
export function createVerificationService(deps: {
  db: Kysely<Schema>;
  tenantId: string;
  secrets: SecretBox;
  /** Wakes the outbox after a verification's transaction commits. */
  nudgeOutbox: () => void;
  now?: () => number;
}): VerificationService {
  const { db, tenantId, secrets } = deps;
  const now = deps.now ?? Date.now;
  const codeContext = (id: string) => `jincor-code:${id}`;
  const totpContext = (consumer: string) => `totp:${tenantId}:${consumer}`;
  // An id that is not a UUID names no verification.
  const key = (method: VerificationMethod, id: string) => {
    if (!isUuid(id)) throw notFound();
    return { tenantId, method, id: id.toLowerCase() };
  };

  return {
    async initiate(input) {
      const method = requireMethod(input.method);
      const checked = checkInitiate(method, input);
      const id = checked.forcedId ?? randomUUID();
      const expiresAt = new Date(now() + checked.lifetimeSeconds * 1000);
      const outcome = await db.transaction().execute(async (tx) => {
        let uri: string | undefined;
        if (method === "google_auth") {
          const secret = newTotpSecret();
          const offered = await offerTotpSecret(tx, { tenantId, consumer: input.consumer }, secrets.encrypt(Buffer.from(secret), totpContext(input.consumer)));
          if (offered) uri = totpUri(input.issuer, input.consumer, secret);
        }
        const codeHash = checked.code === undefined ? null : secrets.hash(checked.code, codeContext(id));
        const row = await insertVerification(tx, { id, tenantId, method, consumer: input.consumer, codeHash, payload: input.payload, expiresAt });
        // Thrown inside: the transaction rolls back, so a refused initiate leaves no new secret.
        if (row === undefined) throw idTaken();
        if (checked.code !== undefined && input.template !== undefined) {
          await enqueueMessage(tx, {
            tenantId,
            channel: method === "email" ? "email" : "sms",
            recipient: input.consumer,
            subject: input.template.subject === "" ? "Verification code" : input.template.subject,
            body: renderTemplate(input.template.body, checked.code, id),
            expiresAt,
          });
        }
        return { row, uri };
      });
      if (method !== "google_auth") deps.nudgeOutbox();
      return { verification: toVerification(outcome.row), totpUri: outcome.uri };
    },

    async validate(methodName, id, code, removeSecret) {
      const method = requireMethod(methodName);
      if (code === "") {
        throw new DomainError("INVALID_REQUEST", "invalid", "code is required", { details: { details: [{ path: "code", error: "is required" }] } });
      }
      // Decide inside the transaction, throw after it commits: a wrong code must be counted.
      const outcome = await db.transaction().execute(async (tx) => {
        const row = await findLiveVerification(tx, key(method, id), true);
        if (row === undefined) return { ok: false, row: undefined } as const;
        let right: boolean;
        if (method === "google_auth") {
          const consumer = { tenantId, consumer: row.consumer };
          const secret = await lockTotpSecret(tx, consumer);
          const step = secret === undefined ? undefined : matchTotpStep(secrets.decrypt(secret.secret, totpContext(row.consumer)).toString(), code, now());
          // A step already used is refused: the same TOTP code never validates twice.
          right = step !== undefined && (secret?.last_used_step ?? -1) < step;
          if (right && step !== undefined) {
            if (removeSecret) await deleteTotpSecret(tx, consumer);
            else await useTotpStep(tx, consumer, step);
          }
        } else {
          right = row.code_hash !== null && secrets.verify(code, codeContext(row.id), row.code_hash);
        }
        if (!right) return { ok: false, row: await countWrongCode(tx, row.id, verificationMaxAttempts) } as const;
        await closeVerification(tx, key(method, row.id));
        return { ok: true, row } as const;
      });
      if (outcome.row === undefined) throw notFound();
      const verification = toVerification(outcome.row);
      if (outcome.ok) return verification;
      throw new DomainError("INVALID_CODE", "invalid", "Invalid code", { details: { data: verificationData(verification) } });
    },

    async get(methodName, id) {
      const method = requireMethod(methodName);
      const row = await findLiveVerification(db, key(method, id));
      if (row === undefined) throw notFound();
      return toVerification(row);
    },

    async remove(methodName, id) {
      const method = requireMethod(methodName);
      if (!(await closeVerification(db, key(method, id)))) throw notFound();
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

function toVerification(row: VerificationRow): Verification {
  return {
    id: row.id,
    method: row.method,
    consumer: row.consumer,
    attempts: row.attempts,
    expiresAt: row.expires_at,
    payload: row.payload ?? undefined,
  };
}
