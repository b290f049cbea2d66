import type { Kysely } from "kysely";
import type { EmailAddress, IdentityStore } from "../../core/identity/identity.port.js";
import type { Schema } from "../schema.js";
import { deleteNonPrimaryEmail, findEmail, findPrimaryEmail, insertEmail, listEmails, markEmailVerified, setPrimaryEmail, type EmailRow } from "./email.store.js";
import { deleteUser, findUserByEmail, findUserDetails, insertUserWithEmail, userExists } from "./user.store.js";

/** The identity store of one tenant: its users and their email addresses. */
export function createIdentityStore(db: Kysely<Schema>, tenantId: string): IdentityStore<Kysely<Schema>> {
  const email = (row: EmailRow | undefined): EmailAddress | undefined => (row === undefined ? undefined : toEmailAddress(row));
  return {
    insertUserWithEmail: (address) => insertUserWithEmail(db, tenantId, address),
    findUserByEmail: (address, credentialProducts) => findUserByEmail(db, tenantId, address, credentialProducts),
    findUserDetails: (userId, credentialProducts) => findUserDetails(db, tenantId, userId, credentialProducts),
    userExists: (userId) => userExists(db, tenantId, userId),
    deleteUser: (userId) => deleteUser(db, tenantId, userId),
    listEmails: async (userId) => (await listEmails(db, tenantId, userId)).map(toEmailAddress),
    findEmail: async (userId, emailId) => email(await findEmail(db, tenantId, userId, emailId)),
    findPrimaryEmail: async (userId) => email(await findPrimaryEmail(db, tenantId, userId)),
    insertEmail: async (userId, address) => email(await insertEmail(db, tenantId, userId, address)),
    setPrimaryEmail: (userId, emailId) => setPrimaryEmail(db, userId, emailId),
    deleteNonPrimaryEmail: (userId, emailId) => deleteNonPrimaryEmail(db, userId, emailId),
    markEmailVerified: (tx, emailId) => markEmailVerified(tx, emailId),
  };
}

function toEmailAddress(row: EmailRow): EmailAddress {
  return { id: row.id, userId: row.user_id, address: row.address, verified: row.verified, primary: row.is_primary };
}
