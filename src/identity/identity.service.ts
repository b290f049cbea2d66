import type { Kysely } from "kysely";
import type { HankoConfig } from "../config.js";
import { DomainError } from "../errors/domain-error.js";
import type { Schema } from "../store/schema.js";
import { defaultTenantId } from "../store/schema.js";
import { normalizeEmail } from "./email-address.js";
import { findUserByEmail, insertUserWithEmail, type UserByEmail } from "./identity.store.js";

/** Users and their contacts. */
export interface IdentityService {
  /** Creates a user with one primary, unverified email. Throws SIGNUP_DISABLED, INVALID_EMAIL, EMAIL_TAKEN. */
  createUser(email: string): Promise<{ userId: string; emailId: string }>;
  /** The user holding `email`. Throws INVALID_EMAIL, USER_NOT_FOUND. */
  getUserByEmail(email: string): Promise<UserByEmail>;
}

/** Creates the identity service for the default tenant. */
export function createIdentityService(deps: { db: Kysely<Schema>; hanko: HankoConfig }): IdentityService {
  return {
    async createUser(email) {
      if (!deps.hanko.allowSignup) throw new DomainError("SIGNUP_DISABLED", "forbidden", "sign-up is disabled");
      const address = normalizeEmail(email);
      const created = await insertUserWithEmail(deps.db, defaultTenantId, address);
      if (created === undefined) throw new DomainError("EMAIL_TAKEN", "conflict", "the email address is already in use");
      return created;
    },
    async getUserByEmail(email) {
      const user = await findUserByEmail(deps.db, defaultTenantId, normalizeEmail(email));
      if (user === undefined) throw new DomainError("USER_NOT_FOUND", "not_found", "user not found");
      return user;
    },
  };
}
