import { randomUUID } from "node:crypto";
import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import type { Clock } from "../../core/clock.js";
import type { Limiter } from "../../core/limit/limit.service.js";
import { DomainError } from "../../core/errors/domain-error.js";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import { hashPassword } from "../../core/password/password-hash.js";
import type { AccessTokens, AuthenticatedToken, IssuedToken, PendingToken } from "./access-token.service.js";
import type { AccountStore, TokenStepStore } from "./authenticator.port.js";
import type { Challenges } from "../../core/challenge/challenge.service.js";
import { answerCode, codeMessage } from "./code.js";
import { contactKey, findUserIdByContact, invalidField, parseContact } from "./contact.js";
import { authenticatorLimits, codePolicy } from "./policy.js";

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
export function createSignupService<Tx>(deps: {
  store: AccountStore<Tx> & TokenStepStore<Tx>;
  identities: Pick<IdentityStore<Tx>, "findUserByEmail" | "findUserIdByPhone">;
  tokens: AccessTokens<Tx>;
  challenges: Challenges<Tx>;
  limits: Limiter;
  nudgeOutbox: () => void;
  clock: Clock;
  audit?: AuditLog<Tx>;
}): SignupService {
  const { store, tokens, challenges, clock } = deps;
  const audit: AuditLog<Tx> = deps.audit ?? noAudit;
  return {
    async signUp(input) {
      const contact = parseContact(input.email, input.phone);
      if (input.password !== "") checkPasswordLength(input.password);
      // Counted in one statement before anything else: a flood costs no password hashing, and
      // parallel sign-ups cannot all slip under the limit.
      await deps.limits.enforce(contactKey(contact), authenticatorLimits.signup);
      // Both paths hash, write a token and queue a message: the answer and its timing are alike.
      const passwordHash = input.password === "" ? null : await hashPassword(input.password);
      const existing = await findUserIdByContact(deps.identities, contact);
      const tokenId = randomUUID();
      let pending: PendingToken | undefined;
      // A taken contact gets a challenge no code answers, and a notice instead of the code.
      await challenges.issue(codePolicy, {
        id: tokenId,
        ...(existing === undefined ? {} : { secret: null }),
        message: (code) => codeMessage(contact, code),
        async alongside(tx) {
          pending = await tokens.record(tx, { tokenId, userId: randomUUID(), state: "unverified" });
          await store.insertSignup(tx, { tokenId, contact, passwordHash });
        },
      });
      deps.nudgeOutbox();
      return tokens.sign(pending!);
    },

    async verify(token, code) {
      const signup = await store.findSignup(token.tokenId);
      if (signup === undefined) throw new DomainError("CONTACT_TAKEN", "conflict", "The contact already belongs to an account: log in instead");
      // Wrong codes count per contact across sign-ups too: starting over must not buy guesses.
      const pending: PendingToken = await deps.limits.guard([[contactKey(signup.contact), authenticatorLimits.signupCode]], ["INVALID_CODE"], () => answerCode({ challenges, tokens: store, clock }, token, code, {
        async onSuccess(tx, live) {
          const signup = await store.findSignup(live.tokenId, tx);
          // Thrown inside: the transaction rolls back, nothing half-written stays behind.
          if (signup === undefined || !(await store.createAccount(tx, signup, live.userId))) {
            throw new DomainError("CONTACT_TAKEN", "conflict", "The contact already belongs to an account: log in instead");
          }
          await audit.record(tx, { type: "user.created", outcome: "success", product: "authenticator", userId: live.userId });
          await audit.record(tx, { type: "user.signed_up", outcome: "success", product: "authenticator", userId: live.userId, details: { factor: "code" } });
          return tokens.record(tx, { userId: live.userId, state: "authorized", clientId: token.clientId });
        },
      }));
      return tokens.sign(pending);
    },
  };
}
