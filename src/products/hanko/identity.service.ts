import type { HankoConfig } from "../../config/config.js";
import { noAudit, type AuditLog } from "../../core/audit/audit.service.js";
import { DomainError } from "../../core/errors/domain-error.js";
import { requireUuid } from "../../core/errors/uuid.js";
import { normalizeEmail } from "../../core/identity/email-address.js";
import type { EmailAddress, IdentityStore, UserByEmail, UserDetails } from "../../core/identity/identity.port.js";
import { hankoWebauthnPolicy } from "./policy.js";

/** Addresses one user may hold. */
export const maxEmailsPerUser = 10;

/** One of a user's email addresses. */
export interface Email {
  id: string;
  address: string;
  verified: boolean;
  primary: boolean;
}

/** Users and their contacts. */
export interface IdentityService {
  /** Creates a user with one primary, unverified email. Throws SIGNUP_DISABLED, INVALID_EMAIL, EMAIL_TAKEN. */
  createUser(email: string): Promise<{ userId: string; emailId: string }>;
  /** The user holding `email`. Throws INVALID_EMAIL, USER_NOT_FOUND. */
  getUserByEmail(email: string): Promise<UserByEmail>;
  /** The session user's own details. Throws INVALID_UUID, NOT_OWN_USER, USER_NOT_FOUND. */
  getUser(sessionUserId: string, userId: string): Promise<UserDetails>;
  /** Deletes the session user and all that is theirs. Throws DELETION_DISABLED. */
  deleteUser(sessionUserId: string): Promise<void>;
  listEmails(sessionUserId: string): Promise<Email[]>;
  /** Throws INVALID_EMAIL, EMAIL_TAKEN, EMAIL_LIMIT. */
  createEmail(sessionUserId: string, address: string): Promise<Email>;
  /** Throws INVALID_UUID, EMAIL_NOT_FOUND, EMAIL_NOT_VERIFIED (when verification is required). */
  setPrimaryEmail(sessionUserId: string, emailId: string): Promise<void>;
  /** Throws INVALID_UUID, EMAIL_NOT_FOUND, PRIMARY_EMAIL (the primary, and so the last, address). */
  deleteEmail(sessionUserId: string, emailId: string): Promise<void>;
}

/** Creates the identity service over one tenant's identity store. */
export function createIdentityService<Tx>(deps: { identities: IdentityStore<Tx>; hanko: HankoConfig; audit?: AuditLog<unknown> }): IdentityService {
  const audit = deps.audit ?? noAudit;
  const { identities, hanko } = deps;
  const ownEmail = async (userId: string, emailId: string) => {
    const email = await identities.findEmail(userId, requireUuid(emailId, "id"));
    if (email === undefined) throw new DomainError("EMAIL_NOT_FOUND", "not_found", "email not found");
    return email;
  };
  return {
    async createUser(email) {
      if (!hanko.allowSignup) throw new DomainError("SIGNUP_DISABLED", "forbidden", "sign-up is disabled");
      const address = normalizeEmail(email);
      const created = await identities.insertUserWithEmail(address, "hanko", async (tx, { userId }) => {
        await audit.record(tx, { type: "user.created", outcome: "success", product: "hanko", userId });
        await audit.record(tx, { type: "user.signed_up", outcome: "success", product: "hanko", userId });
      });
      if (created === undefined) throw new DomainError("EMAIL_TAKEN", "conflict", "the email address is already in use");
      return created;
    },
    async getUserByEmail(email) {
      // Only Hanko's passkeys: another product's credential of the user cannot log in here.
      const user = await identities.findUserByEmail(normalizeEmail(email), hankoWebauthnPolicy.credentials.lists);
      if (user === undefined) throw new DomainError("USER_NOT_FOUND", "not_found", "user not found");
      return user;
    },
    async getUser(sessionUserId, userId) {
      const id = requireUuid(userId, "id");
      if (id !== sessionUserId) throw new DomainError("NOT_OWN_USER", "forbidden", "only the session's own user can be read");
      const user = await identities.findUserDetails(id, hankoWebauthnPolicy.credentials.lists);
      if (user === undefined) throw new DomainError("USER_NOT_FOUND", "not_found", "user not found");
      return user;
    },
    async deleteUser(sessionUserId) {
      if (!hanko.allowDeletion) throw new DomainError("DELETION_DISABLED", "forbidden", "account deletion is disabled");
      await identities.deleteUser(sessionUserId, (tx) => audit.record(tx, { type: "user.deleted", outcome: "success", product: "hanko", userId: sessionUserId }));
    },
    listEmails: async (sessionUserId) => (await identities.listEmails(sessionUserId)).map(toEmail),
    async createEmail(sessionUserId, address) {
      const normalized = normalizeEmail(address);
      if ((await identities.listEmails(sessionUserId)).length >= maxEmailsPerUser) {
        throw new DomainError("EMAIL_LIMIT", "conflict", `a user can hold at most ${maxEmailsPerUser} addresses`);
      }
      const email = await identities.insertEmail(sessionUserId, normalized);
      if (email === undefined) throw new DomainError("EMAIL_TAKEN", "conflict", "the email address is already in use");
      return toEmail(email);
    },
    async setPrimaryEmail(sessionUserId, emailId) {
      const email = await ownEmail(sessionUserId, emailId);
      if (hanko.requireEmailVerification && !email.verified) {
        throw new DomainError("EMAIL_NOT_VERIFIED", "conflict", "only a verified address can become primary");
      }
      await identities.setPrimaryEmail(sessionUserId, email.id);
    },
    async deleteEmail(sessionUserId, emailId) {
      const email = await ownEmail(sessionUserId, emailId);
      if (email.primary || !(await identities.deleteNonPrimaryEmail(sessionUserId, email.id))) {
        throw new DomainError("PRIMARY_EMAIL", "conflict", "the primary address cannot be deleted");
      }
    },
  };
}

function toEmail(email: EmailAddress): Email {
  return { id: email.id, address: email.address, verified: email.verified, primary: email.primary };
}
