import type { EmailAddress, IdentityStore } from "../../src/core/identity/identity.port.js";

/** A phone number of a user, as the fake holds it. */
export interface PhoneNumber {
  userId: string;
  number: string;
}

/** The fake's extras beside the port: in which unit of work each address was marked verified. */
export interface MemoryIdentityStore<Tx> extends IdentityStore<Tx> {
  readonly verifiedIn: Map<string, Tx>;
}

/**
 * The identity port over users' email addresses and phone numbers held in memory (the arrays
 * given, changed in place), for the services' unit tests: the reads and the verification the
 * services make; creating and deleting users and addresses is the store's (test/store) and
 * refused here.
 */
export function memoryIdentityStore<Tx>(emails: EmailAddress[], phones: PhoneNumber[] = []): MemoryIdentityStore<Tx> {
  const verifiedIn = new Map<string, Tx>();
  const notKept = () => Promise.reject(new Error("the memory identity store keeps no user or address changes but verification"));
  const primaryOf = (userId: string) => emails.find((email) => email.userId === userId && email.primary);
  const copy = (email: EmailAddress | undefined) => (email === undefined ? undefined : { ...email });
  return {
    verifiedIn,
    findUserByEmail(address) {
      const email = emails.find((candidate) => candidate.address === address);
      return Promise.resolve(email === undefined ? undefined : { userId: email.userId, emailId: email.id, verified: email.verified, hasWebauthnCredential: false });
    },
    findUserIdByPhone: (number) => Promise.resolve(phones.find((phone) => phone.number === number)?.userId),
    findContactAddress: (userId) => Promise.resolve(primaryOf(userId)?.address ?? phones.find((phone) => phone.userId === userId)?.number),
    userExists: (userId) => Promise.resolve(emails.some((email) => email.userId === userId) || phones.some((phone) => phone.userId === userId)),
    listEmails: (userId) => Promise.resolve(emails.filter((email) => email.userId === userId).sort((a, b) => Number(b.primary) - Number(a.primary)).map((email) => ({ ...email }))),
    findEmail: (userId, emailId) => Promise.resolve(copy(emails.find((email) => email.userId === userId && email.id === emailId))),
    findPrimaryEmail: (userId) => Promise.resolve(copy(primaryOf(userId))),
    markEmailVerified(tx, emailId) {
      const email = emails.find((candidate) => candidate.id === emailId);
      if (email !== undefined) email.verified = true;
      verifiedIn.set(emailId, tx);
      return Promise.resolve();
    },
    insertUserWithEmail: notKept,
    findUserDetails: notKept,
    deleteUser: notKept,
    insertEmail: notKept,
    setPrimaryEmail: notKept,
    deleteNonPrimaryEmail: notKept,
  };
}
