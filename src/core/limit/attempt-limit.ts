import type { Kysely } from "kysely";
import { DomainError, isDomainError } from "../errors/domain-error.js";
import type { SecretBox } from "../keys/secret-box.js";
import type { Schema } from "../../store/schema.js";
import { countAttempts, releaseAttempt, reserveAttempt } from "../../store/limit/attempt.store.js";
import type { Contact } from "../../products/authenticator/contact.js";

/** Failed attempts one contact or one user may make per window. */
export const maxFailedAttempts = 10;
/** Seconds a window of failed attempts lasts, from its first failure. */
export const attemptWindowSeconds = 15 * 60;

/** Whose attempts are counted: the contact a login names (known or not), or a user's second factor. */
export type AttemptSubject = { contact: Contact } | { userId: string };

/**
 * Limits failed attempts per contact (wrong passwords) and per user (wrong second-factor
 * answers), in the database so that every replica shares the count. Subjects are stored as a
 * keyed hash: the table names no contact, and an unknown contact is counted like a known one.
 */
export interface AttemptLimit {
  /**
   * Runs `attempt` as one attempt of `subject`: refused with TOO_MANY_ATTEMPTS (rate_limited)
   * past the limit, counted when it throws a DomainError whose reason is in `failures`, taken
   * back otherwise.
   */
  guard<T>(subject: AttemptSubject, failures: readonly string[], attempt: () => Promise<T>): Promise<T>;
  /** Throws TOO_MANY_ATTEMPTS when `subject` has used up its failed attempts. */
  check(subject: AttemptSubject): Promise<void>;
}

/** Creates the attempt limit of a tenant. */
export function createAttemptLimit(deps: { db: Kysely<Schema>; tenantId: string; secrets: SecretBox }): AttemptLimit {
  const { db, tenantId, secrets } = deps;
  const key = (subject: AttemptSubject) =>
    secrets.hash("contact" in subject ? `contact:${subject.contact.channel}:${subject.contact.address}` : `user:${subject.userId}`, "authenticator-attempts");
  const refuse = () => new DomainError("TOO_MANY_ATTEMPTS", "rate_limited", `Too many failed attempts: try again in ${attemptWindowSeconds / 60} minutes`);
  return {
    async guard(subject, failures, attempt) {
      const hashed = key(subject);
      // Counted before the attempt runs: parallel attempts cannot all slip under the limit.
      if ((await reserveAttempt(db, tenantId, hashed, attemptWindowSeconds)) > maxFailedAttempts) throw refuse();
      try {
        const result = await attempt();
        await releaseAttempt(db, tenantId, hashed);
        return result;
      } catch (error) {
        if (!isDomainError(error) || !failures.includes(error.reason)) await releaseAttempt(db, tenantId, hashed);
        throw error;
      }
    },
    async check(subject) {
      if ((await countAttempts(db, tenantId, key(subject), attemptWindowSeconds)) >= maxFailedAttempts) throw refuse();
    },
  };
}
