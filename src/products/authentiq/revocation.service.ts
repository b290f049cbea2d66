import type { Kysely } from "kysely";
import type { Challenges } from "../../core/challenge/challenge.service.js";
import type { Limiter } from "../../core/limit/limit.service.js";
import type { SecretBox } from "../../core/keys/secret-box.js";
import type { Schema } from "../../store/schema.js";
import { hashContact, normalizeContact } from "./contact.js";
import { findLiveKeyByContact, revokeKey } from "../../store/authentiq/key.store.js";
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

/** Creates the service. */
export function createRevocationService(deps: {
  db: Kysely<Schema>;
  secrets: SecretBox;
  tenantId: string;
  challenges: Challenges<Kysely<Schema>>;
  limits: Limiter;
  nudgeOutbox: () => void;
}): RevocationService {
  const { db, secrets, tenantId, challenges, limits } = deps;
  return {
    async revokeByContact(email, phone, code) {
      const contact = normalizeContact(email, phone);
      const subject = ["pair", contact.email, contact.phone];
      if (code === "") {
        await limits.enforce(subject, authentiqLimits.revocationRequest);
        const key = await findLiveKeyByContact(db, tenantId, hashContact(secrets, contact));
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
            if (typeof challenge.data.pk === "string") await revokeKey(tx, tenantId, challenge.data.pk);
          },
        }),
      );
      return { status: "done" };
    },
  };
}
