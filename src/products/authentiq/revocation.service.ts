import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { enqueueMessage } from "../../delivery/outbox.store.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { newSixDigitCode } from "../../core/keys/one-time-code.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { Schema } from "../../store/schema.js";
import { hashContact, normalizeContact } from "./contact.js";
import { findLiveKeyByContact, revokeKey } from "../../store/authentiq/key.store.js";
import { closeRevocation, countRecentRevocations, countWrongRevocationCode, lockOpenRevocation, openRevocation } from "../../store/authentiq/revocation.store.js";

/** A revocation code lives 10 minutes and allows 5 tries. */
export const revocationCodeTtlSeconds = 600;
export const revocationMaxAttempts = 5;
/** Codes asked for one contact in 10 minutes: a retry or two passes, a mail bomb does not. */
export const revocationsPerWindow = 5;

/** Authentiq's `DELETE /key?email=&phone=[&code=]`. */
export interface RevocationService {
  /**
   * Without a code: emails one (when a live key holds the pair) and answers "pending" either
   * way. With a code: revokes and answers "done". Throws INVALID_EMAIL, INVALID_PHONE,
   * RATE_LIMIT, CONFIRM_FIRST (no open request), AUTH_ERROR (wrong, exhausted or expired).
   */
  revokeByContact(email: string, phone: string, code: string): Promise<{ status: "pending" | "done" }>;
}

/** Creates the service. */
export function createRevocationService(deps: { db: Kysely<Schema>; secrets: SecretBox; tenantId: string; nudgeOutbox: () => void; now?: () => number }): RevocationService {
  const { db, secrets, tenantId } = deps;
  const now = deps.now ?? Date.now;
  const codeContext = (id: string) => `authentiq:revocation:${id}`;

  const request = async (email: string, hashes: ReturnType<typeof hashContact>) => {
    if ((await countRecentRevocations(db, tenantId, hashes.pair, new Date(now() - revocationCodeTtlSeconds * 1000))) >= revocationsPerWindow) {
      throw new DomainError("RATE_LIMIT", "rate_limited", "too many revocation requests for this address: wait a few minutes");
    }
    const id = randomUUID();
    const code = newSixDigitCode();
    await db.transaction().execute(async (tx) => {
      const key = await findLiveKeyByContact(tx, tenantId, hashes);
      // A request is stored either way, so a code check cannot tell a bound pair from another.
      await openRevocation(tx, { id, tenantId, contactHash: hashes.pair, pk: key?.pk ?? null, codeHash: secrets.hash(code, codeContext(id)), expiresAt: new Date(now() + revocationCodeTtlSeconds * 1000) });
      if (key === undefined) return;
      await enqueueMessage(tx, {
        tenantId,
        channel: "email",
        recipient: email,
        subject: "Revoke your Authentiq ID",
        body: `Your code to revoke your Authentiq ID is ${code}. It is valid for ${revocationCodeTtlSeconds / 60} minutes. If you did not ask for it, ignore this email.`,
        expiresAt: new Date(now() + revocationCodeTtlSeconds * 1000),
      });
    });
    deps.nudgeOutbox();
    return { status: "pending" as const };
  };

  const confirm = async (code: string, hashes: ReturnType<typeof hashContact>) => {
    // Decide inside the transaction, throw after it commits: a wrong attempt must be counted.
    const outcome = await db.transaction().execute(async (tx) => {
      const open = await lockOpenRevocation(tx, tenantId, hashes.pair);
      if (open === undefined) return "CONFIRM_FIRST" as const;
      if (open.expires_at.getTime() <= now()) {
        await closeRevocation(tx, open.id);
        return "EXPIRED" as const;
      }
      if (!/^\d{6}$/.test(code) || !secrets.verify(code, codeContext(open.id), open.code_hash)) {
        await countWrongRevocationCode(tx, open.id, revocationMaxAttempts);
        return "WRONG" as const;
      }
      await closeRevocation(tx, open.id);
      if (open.pk !== null) await revokeKey(tx, tenantId, open.pk);
      return "DONE" as const;
    });
    switch (outcome) {
      case "DONE":
        return { status: "done" as const };
      case "CONFIRM_FIRST":
        throw new DomainError("CONFIRM_FIRST", "precondition", "ask for a code first: call without `code`");
      case "EXPIRED":
        throw new DomainError("AUTH_ERROR", "unauthenticated", "the code has expired");
      case "WRONG":
        throw new DomainError("AUTH_ERROR", "unauthenticated", "wrong code");
    }
  };

  return {
    async revokeByContact(email, phone, code) {
      const contact = normalizeContact(email, phone);
      const hashes = hashContact(secrets, contact);
      return code === "" ? request(contact.email, hashes) : confirm(code.trim(), hashes);
    },
  };
}
