import type { AuditProduct } from "./audit-event.js";
import { reasonOf, recordOutcome, type AuditLog } from "./audit.service.js";
import { isDomainError } from "../errors/domain-error.js";

/**
 * Issues the session (or token) of a user whose factor was right; `recordLogin` writes the
 * login's `login.succeeded` event and must run in the transaction of what it issues, so that a
 * session refused (a locked user: USER_LOCKED) is recorded as the failed login it is, never as a
 * success.
 */
export type IssueAfterLogin<T> = (userId: string, recordLogin: (tx: unknown) => Promise<void>) => Promise<T>;

/**
 * A login that ends in a session: `check` proves the factor and answers the user's id, `issue`
 * issues the session and writes `login.succeeded` (factor `login.factor`) in its transaction. A
 * refusal of either (a DomainError) is recorded on its own as `login.failed` with its reason and
 * the user when known (`login.userId` before the check, the checked id after); a fault records
 * nothing. The one place the products' password, passcode and token-exchange logins record their
 * outcome.
 */
export async function loginEndingInSession<T>(
  audit: AuditLog<unknown>,
  login: { product: AuditProduct; factor: string; userId?: string },
  check: () => Promise<string>,
  issue: IssueAfterLogin<T>,
): Promise<T> {
  const { product, factor } = login;
  let userId = login.userId;
  return recordOutcome(
    audit,
    async () => {
      const id = await check();
      userId = id;
      return issue(id, (tx) => audit.record(tx, { type: "login.succeeded", outcome: "success", product, userId: id, details: { factor } }));
    },
    () => undefined,
    (error) => (isDomainError(error) ? { type: "login.failed", outcome: "failure", product, userId: userId ?? null, reason: reasonOf(error), details: { factor } } : undefined),
  );
}
