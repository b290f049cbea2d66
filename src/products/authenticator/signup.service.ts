import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { AttemptLimit } from "../../core/limit/attempt-limit.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { hashPassword } from "../../core/password/password-hash.js";
import type { Schema } from "../../store/schema.js";
import type { AccessTokens, IssuedToken, AuthenticatedToken } from "./access-token.service.js";
import { countRecentSignups, findSignup, insertAccount, insertSignup, lockSignupContact } from "../../store/authenticator/account.store.js";
import { newSixDigitCode } from "../../core/keys/one-time-code.js";
import { answerCode, queueCode } from "./code.js";
import { findUserIdByContact, invalidField, parseContact } from "./contact.js";

/** Sign-ups one contact may be sent a message for per minute: a burst passes, a flood does not. */
export const signupsPerMinute = 5;

/** Passwords the Authenticator API takes: 8 to 72 characters (72: the bcrypt cap Hanko shares). */
export const minPasswordLength = 8;
export const maxPasswordLength = 72;

/** Throws INVALID_FIELD unless `password` is 8 to 72 characters. */
export function checkPasswordLength(password: string): void {
  const length = [...password].length;
  if (length < minPasswordLength || length > maxPasswordLength) throw invalidField(`Password must be ${minPasswordLength} to ${maxPasswordLength} characters`);
}

/** Sign-up (seed 002, SignUp API): a contact proven by a code becomes a user. */
export interface SignupService {
  /**
   * Sends a code to the contact and answers an `unverified` token. A contact that already has
   * an account gets the same answer, and a notice instead of a code. Throws INVALID_FIELD,
   * SIGNUP_RATE_LIMITED (more than 5 a minute for one contact, whether or not it has an account).
   */
  signUp(input: { email: string; phone: string; password: string }): Promise<IssuedToken>;
  /** The right code creates the user and answers an `authorized` token. Throws as `answerCode`, and CONTACT_TAKEN. */
  verify(token: AuthenticatedToken, code: string): Promise<IssuedToken>;
}

/** Creates the sign-up service. */
export function createSignupService(deps: { db: Kysely<Schema>; tenantId: string; tokens: AccessTokens; attempts: AttemptLimit; nudgeOutbox: () => void; now?: () => number }): SignupService {
  const { db, tenantId, tokens } = deps;
  const now = deps.now ?? Date.now;
  return {
    async signUp(input) {
      const contact = parseContact(input.email, input.phone);
      if (input.password !== "") checkPasswordLength(input.password);
      const limited = async (counter: Kysely<Schema>) => (await countRecentSignups(counter, tenantId, contact.address, new Date(now() - 60_000))) >= signupsPerMinute;
      const refuse = () => new DomainError("SIGNUP_RATE_LIMITED", "rate_limited", "Too many sign-ups for this contact: wait a minute");
      // A cheap first look spares a flood the password hashing; the count that holds is below.
      if (await limited(db)) throw refuse();
      // Both paths hash, write a token and queue a message: the answer and its timing are alike.
      const passwordHash = input.password === "" ? null : await hashPassword(input.password);
      const existing = await findUserIdByContact(db, tenantId, contact);
      const code = existing === undefined ? newSixDigitCode() : undefined;
      const pending = await db.transaction().execute(async (tx) => {
        // Counted under a lock on the contact, in the transaction that adds the sign-up: parallel
        // sign-ups cannot all see the same count.
        await lockSignupContact(tx, tenantId, contact.address);
        if (await limited(tx)) throw refuse();
        const token = await tokens.record(tx, { userId: randomUUID(), state: "unverified", ...(code === undefined ? {} : { code }) });
        await insertSignup(tx, { tokenId: token.tokenId, tenantId, channel: contact.channel, contact: contact.address, passwordHash });
        await queueCode(tx, tenantId, contact, code);
        return token;
      });
      deps.nudgeOutbox();
      return tokens.sign(pending);
    },

    async verify(token, code) {
      const signup = await findSignup(db, token.tokenId);
      if (signup === undefined) throw new DomainError("CONTACT_TAKEN", "conflict", "The contact already belongs to an account: log in instead");
      // Wrong codes count per contact across sign-ups too: starting over must not buy guesses.
      const contact = { channel: signup.channel, address: signup.contact };
      const pending = await deps.attempts.guard({ contact: { ...contact, address: `signup:${contact.address}` } }, ["INVALID_CODE"], () => answerCode({ db, tenantId, tokens, now }, token, code, {
        async onSuccess(tx, row) {
          const signup = await findSignup(tx, row.id);
          // Thrown inside: the transaction rolls back, nothing half-written stays behind.
          if (signup === undefined || !(await insertAccount(tx, signup, row.user_id))) {
            throw new DomainError("CONTACT_TAKEN", "conflict", "The contact already belongs to an account: log in instead");
          }
          return tokens.record(tx, { userId: row.user_id, state: "authorized", clientId: token.clientId });
        },
      }));
      return tokens.sign(pending);
    },
  };
}
