import { randomInt, randomUUID } from "node:crypto";
import { noAudit, type AuditLog } from "../audit/audit.service.js";
import type { Clock } from "../clock.js";
import { DomainError } from "../errors/domain-error.js";
import { refuseLocked, type UserLocks } from "../identity/user-lock.js";
import type { SecretBox } from "../keys/secret-box.js";
import type { ChallengePolicy, ChallengeRefusal } from "./challenge-policy.js";
import type { ChallengeLookup, ChallengeMessage, ChallengeStore, StoredChallenge } from "./challenge.port.js";

/** What `issue` takes. */
export interface IssueInput<Tx> {
  /** A caller-chosen id (e.g. Jincor's forced one, or the token a code belongs to); a new UUID otherwise. */
  id?: string;
  /** Whom it is for, as parts the store only sees a keyed hash of; needed to look it up by subject. */
  subject?: readonly string[];
  /** The secret, when the product makes its own (a forced or custom-alphabet code); null for none. */
  secret?: string | null;
  /** Overrides the policy's lifetime (a caller-chosen one). */
  ttlSeconds?: number;
  /** Closes the subject's open challenges of this purpose: only the newest answers. */
  replaceOpen?: boolean;
  /** The user it belongs to, when one exists already. */
  userId?: string;
  data?: Record<string, unknown>;
  /** The message carrying the secret, queued in the same transaction (none: nothing sent). */
  message?: (secret: string | null) => ChallengeMessage | undefined;
  /** The product's own writes, in the transaction that stores the challenge (after it). */
  alongside?: (tx: Tx) => Promise<void>;
  /** The error when a caller-chosen id is taken by an open challenge. */
  idTaken?: () => Error;
}

/** What `verify` takes besides the answer. */
export interface VerifyOptions<Tx, T> {
  /** Another way the answer may be right (a TOTP code), asked when the stored secret does not match; its writes commit with the challenge's. */
  alternative?: (tx: Tx, challenge: StoredChallenge) => Promise<boolean>;
  /** The product's work once the answer is right, in the transaction that closes the challenge. */
  onSuccess?: (tx: Tx, challenge: StoredChallenge) => Promise<T>;
  /** The product's work when a wrong answer burns the challenge (e.g. revoking what it guards), committed with the count. */
  onBurned?: (tx: Tx, challenge: StoredChallenge) => Promise<void>;
  /** Client-visible details of a refusal (e.g. Jincor's `data` with the attempts). */
  details?: (refusal: ChallengeRefusal, challenge: StoredChallenge | undefined) => Record<string, unknown> | undefined;
}

/** Where to find a challenge: its id, or the latest open one of a subject. */
export type ChallengeTarget = { id: string } | { subject: readonly string[] };

/**
 * One-time secret challenges (passcodes; sign-up, login, revocation and verification codes):
 * issued with only an HMAC of the secret stored and its message queued in the same
 * transaction; answered in constant time, wrong answers counted in one statement under a row
 * lock and the challenge burned at the policy's limit; single use; refused once expired.
 */
export interface Challenges<Tx> {
  /** Issues a challenge; answers it and its secret. Throws `idTaken()` (else the `closed` refusal) when a chosen id is taken. */
  issue(policy: ChallengePolicy, input: IssueInput<Tx>): Promise<{ challenge: StoredChallenge; secret: string | null }>;
  /**
   * Answers a challenge: the right secret closes it and runs `onSuccess`; any other answer
   * throws the policy's refusal once the wrong try is committed.
   */
  verify<T = undefined>(policy: ChallengePolicy, target: ChallengeTarget, secret: string, options?: VerifyOptions<Tx, T>): Promise<{ challenge: StoredChallenge; value: T | undefined }>;
  /** The open, unexpired challenge; undefined otherwise. */
  find(policy: ChallengePolicy, target: ChallengeTarget): Promise<StoredChallenge | undefined>;
  /** The challenge in whatever state (e.g. to learn whose it is before answering); undefined when none. */
  peek(policy: ChallengePolicy, target: ChallengeTarget): Promise<StoredChallenge | undefined>;
  /** Closes an open, unexpired challenge; false when there was none. */
  close(policy: ChallengePolicy, target: ChallengeTarget): Promise<boolean>;
}

/** A random code of `length` digits, uniform, from the CSPRNG. */
export function randomDigits(length: number): string {
  let code = "";
  while (code.length < length) code += randomInt(0, 1_000_000).toString().padStart(6, "0");
  return code.slice(0, length);
}

/**
 * Creates the challenge mechanic of a tenant over `store`. With `locks`, a challenge for a locked
 * user (a passcode, a login code) is refused with USER_LOCKED before anything is written or sent:
 * no login of theirs starts, in any product that sends them a code.
 */
export function createChallenges<Tx>(deps: { store: ChallengeStore<Tx>; secrets: SecretBox; clock: Clock; locks?: UserLocks; audit?: AuditLog<Tx> }): Challenges<Tx> {
  const { store, secrets, clock, locks } = deps;
  const audit: AuditLog<Tx> = deps.audit ?? noAudit;
  const context = (purpose: string, id: string) => `${purpose}:${id}`;
  const subjectHash = (purpose: string, subject: readonly string[]) => secrets.hash(subject.join("\0"), `challenge-subject:${purpose}`);
  const lookup = (policy: ChallengePolicy, target: ChallengeTarget): ChallengeLookup =>
    "id" in target ? { purpose: policy.purpose, id: target.id } : { purpose: policy.purpose, subject: subjectHash(policy.purpose, target.subject) };
  // Compared against when there is no stored hash: every answer costs one HMAC and one comparison.
  const decoy = secrets.hash("decoy", context("decoy", randomUUID()));
  const refuse = (policy: ChallengePolicy, refusal: ChallengeRefusal, details: Record<string, unknown> | undefined) => {
    const { reason, kind, message } = policy.refusals[refusal];
    return new DomainError(reason, kind, message, details === undefined ? undefined : { details });
  };

  return {
    async issue(policy, input) {
      if (input.userId !== undefined) await refuseLocked(locks, input.userId);
      const id = input.id ?? randomUUID();
      const secret = input.secret === undefined ? randomDigits(policy.digits) : input.secret;
      const at = clock.now();
      const expiresAt = new Date(at.getTime() + (input.ttlSeconds ?? policy.ttlSeconds) * 1000);
      // The outbox retries the message for as long as the secret it carries answers, no longer.
      const secretExpiresAt = policy.secretTtlSeconds === undefined ? expiresAt : new Date(Math.min(expiresAt.getTime(), at.getTime() + policy.secretTtlSeconds * 1000));
      const composed = input.message?.(secret);
      const message = composed === undefined ? undefined : { ...composed, expiresAt: secretExpiresAt };
      const challenge = await store.insert(
        {
          id,
          purpose: policy.purpose,
          subject: input.subject === undefined ? null : subjectHash(policy.purpose, input.subject),
          secretHash: secret === null ? null : secrets.hash(secret, context(policy.purpose, id)),
          maxAttempts: policy.maxAttempts,
          userId: input.userId ?? null,
          expiresAt,
          data: input.data ?? {},
        },
        {
          ...(message === undefined ? {} : { message }),
          alongside: async (tx) => {
            await input.alongside?.(tx);
            // A challenge answered another way (a TOTP) sends nothing: only a code that goes out is recorded.
            if (message !== undefined)
              await audit.record(tx, { type: "code.sent", outcome: "success", product: policy.product, userId: input.userId ?? null, details: { purpose: policy.purpose, channel: message.channel } });
          },
          replaceOpen: input.replaceOpen ?? false,
          at,
        },
      );
      if (challenge === undefined) throw input.idTaken?.() ?? refuse(policy, "closed", undefined);
      return { challenge, secret };
    },

    async verify(policy, target, secret, options = {}) {
      // Decided inside the transaction, thrown after it commits: a wrong try must stay counted.
      const outcome = await store.withLocked(lookup(policy, target), async (tx, challenge) => {
        const decided = await decide(tx, challenge);
        // The event commits with the count or the close: a refused answer leaves its trace too.
        await audit.record(
          tx,
          decided.refusal === undefined
            ? { type: "code.verified", outcome: "success", product: policy.product, userId: decided.challenge.userId, details: { purpose: policy.purpose } }
            : {
                type: "code.failed",
                outcome: "failure",
                product: policy.product,
                userId: decided.challenge?.userId ?? null,
                reason: policy.refusals[decided.refusal].reason,
                details: { purpose: policy.purpose, refusal: decided.refusal, attempts: decided.challenge?.attempts ?? 0 },
              },
        );
        return decided;
      });
      if (outcome.refusal === undefined) return { challenge: outcome.challenge, value: outcome.value };
      throw refuse(policy, outcome.refusal, options.details?.(outcome.refusal, outcome.challenge));

      async function decide(tx: Tx, challenge: StoredChallenge | undefined) {
        if (challenge === undefined) return { refusal: "unknown", challenge } as const;
        if (challenge.attempts >= challenge.maxAttempts) return { refusal: "exhausted", challenge } as const;
        if (challenge.closedAt !== null) return { refusal: "closed", challenge } as const;
        if (challenge.expiresAt.getTime() <= clock.now().getTime()) return { refusal: "expired", challenge } as const;
        const secretLive = policy.secretTtlSeconds === undefined || clock.now().getTime() < challenge.createdAt.getTime() + policy.secretTtlSeconds * 1000;
        const hashMatches = secrets.verify(secret, context(challenge.purpose, challenge.id), challenge.secretHash ?? decoy) && challenge.secretHash !== null && secretLive;
        const right = hashMatches || (options.alternative !== undefined && (await options.alternative(tx, challenge)));
        if (!right) {
          const attempts = await store.countWrong(tx, challenge, clock.now());
          if (attempts >= challenge.maxAttempts) await options.onBurned?.(tx, { ...challenge, attempts });
          return { refusal: attempts >= challenge.maxAttempts ? "burned" : "wrong", challenge: { ...challenge, attempts } } as const;
        }
        await store.close(tx, challenge, clock.now());
        return { refusal: undefined, challenge, value: await options.onSuccess?.(tx, challenge) } as const;
      }
    },

    find: (policy, target) => store.find(lookup(policy, target), clock.now()),
    peek: (policy, target) => store.find(lookup(policy, target), undefined),
    close: (policy, target) => store.closeOpen(lookup(policy, target), clock.now()),
  };
}
