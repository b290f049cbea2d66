import type { HankoConfig } from "../../config/config.js";
import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import { loginEndingInSession, type IssueAfterLogin } from "../../core/audit/login-outcome.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { requireUuid } from "../../core/errors/uuid.js";
import type { IdentityStore } from "../../core/identity/identity.port.js";
import type { PasswordCheck } from "../../core/password/password-check.js";
import { hashPassword } from "../../core/password/password-hash.js";
import type { PasswordStore } from "./hanko.port.js";
import type { Limiter } from "../../core/limit/limit.service.js";
import { hankoLimits } from "./policy.js";

/** The longest password accepted: argon2 takes more, but Hanko (bcrypt) caps it at 72. */
export const maxPasswordLength = 72;

/** Passwords: checked (and legacy hashes upgraded) by the core password check, set as argon2id. */
export interface PasswordService {
  /**
   * What `issue` answers for the user when `password` is theirs (a refusal of `issue`, such as
   * USER_LOCKED, is recorded as a failed login); throws INVALID_CREDENTIALS otherwise, unknown user
   * included, and TOO_MANY_ATTEMPTS (rate_limited) after 10 wrong passwords for the user id in 15
   * minutes, known or not, the right password included. `username` (case-insensitive) names the
   * user in place of `userId` (exactly one of them is given): an unknown username costs and
   * answers what a wrong password does, and wrong passwords count against the username.
   */
  verifyLogin<T>(userId: string, password: string, username: string, issue: IssueAfterLogin<T>): Promise<T>;
  /** Sets the session user's password; true when created, false when replaced. */
  setPassword(sessionUserId: string, userId: string, password: string): Promise<boolean>;
}

/** Creates the password service over one tenant's users and passwords. */
export function createPasswordService<Tx>(deps: { identities: IdentityStore<Tx>; passwords: PasswordStore; passwordCheck: PasswordCheck; hanko: HankoConfig; limits: Limiter; audit?: AuditLog<unknown> }): PasswordService {
  const { identities, passwords, hanko } = deps;
  const audit = deps.audit ?? noAudit;
  const enabled = () => {
    if (!hanko.passwordsEnabled) throw new DomainError("PASSWORDS_DISABLED", "forbidden", "passwords are disabled");
  };
  const checkLength = (password: string) => {
    const length = [...password].length;
    if (length < hanko.passwordMinLength || length > maxPasswordLength) {
      throw new DomainError("INVALID_PASSWORD", "invalid", `password must be ${hanko.passwordMinLength} to ${maxPasswordLength} characters`, {
        details: { details: [{ path: "password", error: "length" }] },
      });
    }
  };
  return {
    async verifyLogin(userId, password, username, issue) {
      enabled();
      const name = username.trim().toLowerCase();
      if ((name === "") === (userId === "")) throw new DomainError("INVALID_FIELD", "invalid", "give either user_id or username");
      if (password === "" || [...password].length > maxPasswordLength) {
        throw new DomainError("INVALID_PASSWORD", "invalid", `password must be 1 to ${maxPasswordLength} characters`);
      }
      if (name !== "") {
        if ([...name].length > 64) throw new DomainError("INVALID_FIELD", "invalid", "username must be at most 64 characters");
        // The same work and answer for an unknown username (its decoy) as for a wrong password.
        const found = await passwords.findUserIdByUsername(name);
        const byName = () =>
          deps.limits.guard([[["username", name], hankoLimits.password]], ["INVALID_CREDENTIALS"], async () => {
            if ((await deps.passwordCheck.check(found, password, `username:${name}`)) !== "matches" || found === undefined) throw new DomainError("INVALID_CREDENTIALS", "unauthenticated", "Unauthorized");
            return found;
          });
        return loginEndingInSession(audit, { product: "hanko", factor: "password", ...(found === undefined ? {} : { userId: found }) }, byName, issue);
      }
      const id = requireUuid(userId, "user_id");
      // Wrong passwords count against the user id whether or not a user has it: the same answers either way.
      const login = () =>
        deps.limits.guard([[["user", id], hankoLimits.password]], ["INVALID_CREDENTIALS"], async () => {
          if ((await deps.passwordCheck.check(id, password)) !== "matches") throw new DomainError("INVALID_CREDENTIALS", "unauthenticated", "Unauthorized");
          return id;
        });
      return loginEndingInSession(audit, { product: "hanko", factor: "password", userId: id }, login, issue);
    },
    async setPassword(sessionUserId, userId, password) {
      enabled();
      const id = requireUuid(userId, "user_id");
      if (id !== sessionUserId) throw new DomainError("NOT_OWN_USER", "forbidden", "a password can only be set for the session's own user");
      checkLength(password);
      if (!(await identities.userExists(id))) throw new DomainError("USER_NOT_FOUND", "not_found", "user not found");
      return passwords.savePasswordHash(id, await hashPassword(password), (tx, created) => audit.record(tx, { type: created ? "password.set" : "password.changed", outcome: "success", product: "hanko", userId: id }));
    },
  };
}
