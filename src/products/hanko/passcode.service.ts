import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { enqueueMessage } from "../../delivery/outbox.store.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { requireUuid } from "../../core/errors/uuid.js";
import { findEmail, findPrimaryEmail, markEmailVerified } from "../../store/identity/email.store.js";
import { newSixDigitCode } from "../../core/keys/one-time-code.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { Schema } from "../../store/schema.js";
import { countRecentPasscodes, countWrongAttempt, insertPasscode, lockPasscode, markPasscodeUsed, type PasscodeRow } from "../../store/hanko/passcode.store.js";

/** Hanko's passcode rules: 6 digits, valid 300 s, 3 attempts. */
export const passcodeTtlSeconds = 300;
export const passcodeMaxAttempts = 3;
/** Passcodes one user may be sent per minute: a burst passes, a flood does not. */
export const passcodesPerMinute = 5;

const refusals = {
  PASSCODE_EXHAUSTED: () => new DomainError("PASSCODE_EXHAUSTED", "precondition", "maximum attempts reached"),
  PASSCODE_EXPIRED: () => new DomainError("PASSCODE_EXPIRED", "precondition", "passcode request timed out"),
  PASSCODE_INVALID: () => new DomainError("PASSCODE_INVALID", "unauthenticated", "passcode invalid"),
};

/** Hanko passcode login. */
export interface PasscodeService {
  /** Emails a new passcode. Throws INVALID_UUID, UNKNOWN_USER, PASSCODE_RATE_LIMITED. */
  initialize(userId: string, emailId: string): Promise<PasscodeRow>;
  /**
   * Checks a code; on success uses the passcode up and marks its address verified. Throws
   * INVALID_UUID, INVALID_PASSCODE_FORMAT, PASSCODE_INVALID (wrong, unknown or used),
   * PASSCODE_EXPIRED, PASSCODE_EXHAUSTED (the third wrong code and after).
   */
  finalize(id: string, code: string): Promise<PasscodeRow>;
}

/** Creates the passcode service. */
export function createPasscodeService(deps: {
  db: Kysely<Schema>;
  tenantId: string;
  secrets: SecretBox;
  /** Wakes the outbox after the passcode's transaction commits. */
  nudgeOutbox: () => void;
  now?: () => number;
}): PasscodeService {
  const { db, tenantId, secrets } = deps;
  const now = deps.now ?? Date.now;
  const context = (id: string) => `passcode:${id}`;
  return {
    async initialize(userId, emailId) {
      const user = requireUuid(userId, "user_id");
      const email = emailId === "" ? await findPrimaryEmail(db, tenantId, user) : await findEmail(db, tenantId, user, requireUuid(emailId, "email_id"));
      if (email === undefined) throw new DomainError("UNKNOWN_USER", "invalid", "user or email not found");
      if ((await countRecentPasscodes(db, user, new Date(now() - 60_000))) >= passcodesPerMinute) {
        throw new DomainError("PASSCODE_RATE_LIMITED", "rate_limited", "too many passcodes: wait a minute");
      }
      const id = randomUUID();
      const code = newSixDigitCode();
      const passcode = await db.transaction().execute(async (tx) => {
        const row = await insertPasscode(tx, { id, tenantId, userId: user, emailId: email.id, codeHash: secrets.hash(code, context(id)), expiresAt: new Date(now() + passcodeTtlSeconds * 1000) });
        await enqueueMessage(tx, {
          tenantId,
          channel: "email",
          recipient: email.address,
          subject: "Your passcode",
          body: `Your passcode is ${code}. It is valid for ${passcodeTtlSeconds / 60} minutes.`,
          expiresAt: row.expires_at,
        });
        return row;
      });
      deps.nudgeOutbox();
      return passcode;
    },
    async finalize(id, code) {
      const passcodeId = requireUuid(id, "id");
      if (!/^\d{6}$/.test(code)) {
        throw new DomainError("INVALID_PASSCODE_FORMAT", "invalid", "code must be 6 digits", { details: { details: [{ path: "code", error: "must be 6 digits" }] } });
      }
      // Decide inside the transaction, throw after it commits: a wrong attempt must be counted.
      const outcome = await db.transaction().execute(async (tx) => {
        const passcode = await lockPasscode(tx, tenantId, passcodeId);
        if (passcode === undefined) return { ok: false, error: "PASSCODE_INVALID" } as const;
        if (passcode.attempts >= passcodeMaxAttempts) return { ok: false, error: "PASSCODE_EXHAUSTED" } as const;
        if (passcode.used_at !== null) return { ok: false, error: "PASSCODE_INVALID" } as const;
        if (passcode.expires_at.getTime() <= now()) return { ok: false, error: "PASSCODE_EXPIRED" } as const;
        if (!secrets.verify(code, context(passcode.id), passcode.code_hash)) {
          const attempts = await countWrongAttempt(tx, passcode.id, passcodeMaxAttempts);
          return { ok: false, error: attempts >= passcodeMaxAttempts ? "PASSCODE_EXHAUSTED" : "PASSCODE_INVALID" } as const;
        }
        await markPasscodeUsed(tx, passcode.id);
        await markEmailVerified(tx, passcode.email_id);
        return { ok: true, passcode } as const;
      });
      if (outcome.ok) return outcome.passcode;
      throw refusals[outcome.error]();
    },
  };
}
