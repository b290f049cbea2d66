import type { Challenges } from "../../core/challenge/challenge.service.js";
import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import { loginEndingInSession, type IssueAfterLogin } from "../../core/audit/login-outcome.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { requireUuid } from "../../core/errors/uuid.js";
import type { Limiter } from "../../core/limit/limit.service.js";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import { hankoLimits, passcodePolicy } from "./policy.js";

/** A passcode as Hanko answers it. */
export interface Passcode {
  id: string;
  userId: string;
  createdAt: Date;
  ttlSeconds: number;
}

/** Hanko passcode login. */
export interface PasscodeService {
  /**
   * Emails a new passcode. Throws INVALID_UUID, UNKNOWN_USER, TOO_MANY_ATTEMPTS (the user's daily
   * cap on wrong passcodes used up: the passcode could not work), PASSCODE_RATE_LIMITED (5 a minute per user).
   */
  initialize(userId: string, emailId: string): Promise<Passcode>;
  /**
   * Checks a code; on success uses the passcode up, marks its address verified and answers the
   * passcode with what `issue` answers for its user (the session, whose transaction records the
   * login.succeeded: a refusal of `issue`, such as USER_LOCKED for a user locked since the passcode
   * was sent, is recorded as a failed login). Throws INVALID_UUID, INVALID_PASSCODE_FORMAT,
   * PASSCODE_INVALID (wrong, unknown or used), PASSCODE_EXPIRED, PASSCODE_EXHAUSTED (the third wrong
   * code and after), TOO_MANY_ATTEMPTS (20 wrong passcodes of the user in 24 hours, across passcodes).
   */
  finalize<T>(id: string, code: string, issue: IssueAfterLogin<T>): Promise<{ passcode: Passcode; issued: T }>;
}

/** Creates the passcode service over one tenant's identity store and challenges. */
export function createPasscodeService<Tx>(deps: {
  identities: IdentityStore<Tx>;
  challenges: Challenges<Tx>;
  limits: Limiter;
  /** Wakes the outbox after the passcode's transaction commits. */
  nudgeOutbox: () => void;
  audit?: AuditLog<Tx>;
}): PasscodeService {
  const { identities, challenges, limits } = deps;
  const audit: AuditLog<Tx> = deps.audit ?? noAudit;
  const toPasscode = (challenge: { id: string; userId: string | null; createdAt: Date }): Passcode => ({
    id: challenge.id,
    userId: challenge.userId ?? "",
    createdAt: challenge.createdAt,
    ttlSeconds: passcodePolicy.ttlSeconds,
  });
  return {
    async initialize(userId, emailId) {
      const user = requireUuid(userId, "user_id");
      const email = emailId === "" ? await identities.findPrimaryEmail(user) : await identities.findEmail(user, requireUuid(emailId, "email_id"));
      if (email === undefined) throw new DomainError("UNKNOWN_USER", "invalid", "user or email not found");
      // A user whose daily cap on wrong passcodes is used up has every passcode refused: mail none.
      await limits.check(["user", user], hankoLimits.passcodeGuesses);
      await limits.enforce(["user", user], hankoLimits.passcodeSend);
      const { challenge } = await challenges.issue(passcodePolicy, {
        userId: user,
        data: { emailId: email.id },
        message: (code) => ({
          channel: "email",
          recipient: email.address,
          subject: "Your passcode",
          body: `Your passcode is ${code}. It is valid for ${passcodePolicy.ttlSeconds / 60} minutes.`,
        }),
      });
      deps.nudgeOutbox();
      return toPasscode(challenge);
    },
    async finalize(id, code, issue) {
      const passcodeId = requireUuid(id, "id");
      if (!/^\d{6}$/.test(code)) {
        throw new DomainError("INVALID_PASSCODE_FORMAT", "invalid", "code must be 6 digits", { details: { details: [{ path: "code", error: "must be 6 digits" }] } });
      }
      const target = { id: passcodeId };
      const answer = () =>
        challenges.verify(passcodePolicy, target, code, {
          async onSuccess(tx, challenge) {
            await identities.markEmailVerified(tx, String(challenge.data.emailId));
          },
        });
      const owner = (await challenges.peek(passcodePolicy, target))?.userId;
      // Wrong codes count per user across passcodes too: new passcodes must not buy guesses.
      const { challenge } = owner === undefined || owner === null ? await answer() : await limits.guard([[["user", owner], hankoLimits.passcodeGuesses]], ["PASSCODE_INVALID", "PASSCODE_EXHAUSTED"], answer);
      const passcode = toPasscode(challenge);
      const issued = await loginEndingInSession(audit, { product: "hanko", factor: "passcode", userId: passcode.userId }, async () => passcode.userId, issue);
      return { passcode, issued };
    },
  };
}
