import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import { loginEndingInSession } from "../../core/audit/login-outcome.js";
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
      return loginEndingInSession(audit, { product: "hanko", factor: "thirdparty" }, () => deps.consume(value), async (userId, recordLogin) => ({ userId, session: await deps.tokens.issue(userId, recordLogin) }));
    },
  };
}
