import { describe, expect, it } from "vitest";
import { createAccountLinker } from "./account-link.service.js";
import type { EmailOwner, IdentityLinkStore } from "./federation.port.js";
import type { ExternalUser } from "./login-error.js";

/** Users, emails and identities in memory; a transaction that throws leaves nothing behind. */
function memoryStore(emails: Array<EmailOwner & { address: string }> = []) {
  const state = { emails: [...emails], identities: new Map<string, string>(), users: 0 };
  const store = (view: typeof state): IdentityLinkStore => ({
    async transaction(work) {
      const copy = { emails: [...view.emails], identities: new Map(view.identities), users: view.users };
      const result = await work(store(copy));
      Object.assign(view, copy);
      return result;
    },
    async findLinkedUser(provider, subject) {
      return view.identities.get(`${provider}/${subject}`);
    },
    async touchIdentity() {},
    async link(identity, userId) {
      view.identities.set(`${identity.provider}/${identity.subject}`, userId);
    },
    async findEmailOwner(address) {
      return view.emails.find((email) => email.address === address);
    },
    async createUser(address, verified, then) {
      view.users++;
      const owner = { address, emailId: `email-${view.users}`, userId: `user-${view.users}`, verified };
      view.emails.push(owner);
      return owner;
    },
  });
  return { state, store: store(state) };
}

const external = (overrides: Partial<ExternalUser> = {}): ExternalUser => ({
  provider: "corp",
  subject: "sub-1",
  email: "Ada@Example.com",
  emailVerified: true,
  claims: {},
  ...overrides,
});

describe("account linking", () => {
  it("makes a new user from a verified provider address, and finds the same user by the identity next time", async () => {
    const { state, store } = memoryStore();
    const linker = createAccountLinker({ store, allowSignup: true });
    const userId = await linker.userFor(external());
    expect(state.emails).toEqual([expect.objectContaining({ address: "ada@example.com", userId, verified: true })]);
    expect(await linker.userFor(external({ email: "changed@example.com" }))).toBe(userId);
    expect(state.users).toBe(1);
  });

  it("links to the user who verified the address, only when the provider verified it too", async () => {
    const owner = { address: "ada@example.com", emailId: "e1", userId: "u1", verified: true };
    const { state, store } = memoryStore([owner]);
    const linker = createAccountLinker({ store, allowSignup: true });
    await expect(linker.userFor(external({ emailVerified: false }))).rejects.toMatchObject({ error: "user_conflict" });
    expect(state.identities.size).toBe(0);
    expect(await linker.userFor(external())).toBe("u1");
  });

  it("never links to a user who holds the address unverified", async () => {
    const { state, store } = memoryStore([{ address: "ada@example.com", emailId: "e1", userId: "u1", verified: false }]);
    await expect(createAccountLinker({ store, allowSignup: true }).userFor(external())).rejects.toMatchObject({ error: "user_conflict" });
    expect(state.identities.size).toBe(0);
  });

  it("refuses a new user when sign-up is off, from an unverified address, or without an address, and writes nothing", async () => {
    const { state, store } = memoryStore();
    await expect(createAccountLinker({ store, allowSignup: false }).userFor(external())).rejects.toMatchObject({ error: "signup_disabled" });
    const linker = createAccountLinker({ store, allowSignup: true });
    await expect(linker.userFor(external({ emailVerified: false }))).rejects.toMatchObject({ error: "unverified_provider_email" });
    await expect(linker.userFor(external({ email: undefined }))).rejects.toMatchObject({ error: "invalid_request" });
    await expect(linker.userFor(external({ email: "not an address" }))).rejects.toMatchObject({ error: "invalid_request" });
    expect(state).toMatchObject({ users: 0, emails: [] });
    expect(state.identities.size).toBe(0);
  });
});
