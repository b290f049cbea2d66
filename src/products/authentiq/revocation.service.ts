import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import type { Challenges } from "../../core/challenge/challenge.service.js";
import type { Limiter } from "../../core/limit/limit.service.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import { hashContact, normalizeContact } from "./contact.js";
import type { KeyRevocationStore } from "./key.port.js";
import { authentiqLimits, revocationPolicy } from "./policy.js";

/** Authentiq's `DELETE /key?email=&phone=[&code=]`. */
export interface RevocationService {
  /**
   * Without a code: emails one (when a live key holds the pair) and answers "pending" either
   * way. With a code: revokes and answers "done". Throws INVALID_EMAIL, INVALID_PHONE,
   * RATE_LIMIT, CONFIRM_FIRST (no open request), AUTH_ERROR (wrong, exhausted or expired).
   */
  revokeByContact(email: string, phone: string, code: string): Promise<{ status: "pending" | "done" }>;
}

/** Creates the service over one tenant's keys and challenges. */
export function createRevocationService<Tx>(deps: {
  keys: KeyRevocationStore<Tx>;
  secrets: SecretBox;
  challenges: Challenges<Tx>;
  limits: Limiter;
  nudgeOutbox: () => void;
  /** Where the key revoked is recorded, in the transaction that uses up the code. */
  audit?: AuditLog<Tx>;
}): RevocationService {
  const { keys, secrets, challenges, limits } = deps;
  const audit: AuditLog<Tx> = deps.audit ?? noAudit;
  return {
    async revokeByContact(email, phone, code) {
      const contact = normalizeContact(email, phone);
      const subject = ["pair", contact.email, contact.phone];
      if (code === "") {
        await limits.enforce(subject, authentiqLimits.revocationRequest);
        const key = await keys.findLiveByContact(hashContact(secrets, contact));
        // A request is stored either way, so a code check cannot tell a bound pair from another.
        await challenges.issue(revocationPolicy, {
          subject,
          replaceOpen: true,
          data: { pk: key?.pk ?? null },
          message: (secret) =>
            key === undefined
              ? undefined
              : {
                  channel: "email",
                  recipient: contact.email,
                  subject: "Revoke your Authentiq ID",
                  body: `Your code to revoke your Authentiq ID is ${secret}. It is valid for ${revocationPolicy.ttlSeconds / 60} minutes. If you did not ask for it, ignore this email.`,
                },
        });
        deps.nudgeOutbox();
        return { status: "pending" };
      }
      await limits.guard([[subject, authentiqLimits.revocationGuesses]], ["AUTH_ERROR"], () =>
        challenges.verify(revocationPolicy, { subject }, code.trim(), {
          async onSuccess(tx, challenge) {
            const pk = challenge.data.pk;
            if (typeof pk === "string" && (await keys.revokeIn(tx, pk))) {
              await audit.record(tx, { type: "credential.removed", outcome: "success", product: "authentiq", details: { kind: "authentiq_key", key: pk, by: "contact" } });
            }
          },
        }),
      );
      return { status: "done" };
    },
  };
}
