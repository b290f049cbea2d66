import { noAudit, reasonOf, recordOutcome, type AuditLog } from "../../core/audit/audit.service.js";
import { isDomainError } from "../../core/errors/domain-error.js";
import type { IssuedSession, SessionTokens } from "../../core/session/session-token.service.js";

/** The session a one-time token was exchanged for, and its user. */
export interface ExchangedToken {
  userId: string;
  session: IssuedSession;
}

/**
 * Hanko's `POST /token`: the last step of a third-party (OpenID Connect, OAuth or SAML) login,
 * which mints a one-time token at the provider's callback. The login's `login.succeeded` event
 * (factor `thirdparty`) commits in the transaction of the session it issues; a refusal (a used
 * or unknown token, a locked user) is recorded as `login.failed` with its reason.
 */
export function createTokenExchange(deps: { consume(value: string): Promise<string>; tokens: SessionTokens; audit?: AuditLog<unknown> }): { exchange(value: string): Promise<ExchangedToken> } {
  const audit = deps.audit ?? noAudit;
  return {
    async exchange(value) {
      let userId: string | undefined;
      return recordOutcome(
        audit,
        async () => {
          const id = await deps.consume(value);
          userId = id;
          const session = await deps.tokens.issue(id, (tx) => audit.record(tx, { type: "login.succeeded", outcome: "success", product: "hanko", userId: id, details: { factor: "thirdparty" } }));
          return { userId: id, session };
        },
        () => undefined,
        (error) => (isDomainError(error) ? { type: "login.failed", outcome: "failure", product: "hanko", userId: userId ?? null, reason: reasonOf(error), details: { factor: "thirdparty" } } : undefined),
      );
    },
  };
}
