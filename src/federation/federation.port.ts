import type { CacheProvider } from "@node-saml/node-saml";

/** What a login state remembers between the redirect out and the callback. */
export interface LoginState {
  protocol: "oauth" | "saml";
  /** The OAuth provider's name or the SAML domain. */
  provider: string;
  redirectTo: string;
  /** The PKCE code verifier (OAuth only). */
  codeVerifier: string | undefined;
  /** The OpenID Connect nonce. */
  nonce: string | undefined;
}

/** A login state as stored: found by the HMAC of its value, the PKCE verifier sealed. */
export interface StoredLoginState {
  stateHash: Buffer;
  protocol: LoginState["protocol"];
  provider: string;
  redirectTo: string;
  sealedCodeVerifier: Uint8Array | undefined;
  nonce: string | undefined;
}

/** Where login states live until their callback (single use, expiring; any replica finishes). */
export interface LoginStateStore {
  insert(state: StoredLoginState, ttlSeconds: number): Promise<void>;
  /** Marks the unexpired, unused state used and gives it back; undefined otherwise. */
  consume(stateHash: Buffer, protocol: LoginState["protocol"]): Promise<StoredLoginState | undefined>;
}

/** The email address a user holds, as account linking sees it. */
export interface EmailOwner {
  emailId: string;
  userId: string;
  verified: boolean;
}

/** A provider identity to link to a user. */
export interface ProviderIdentity {
  provider: string;
  subject: string;
  claims: Record<string, unknown>;
}

/** The identities and users account linking reads and writes. */
export interface IdentityLinkStore {
  /** Runs `work` in one transaction. */
  transaction<T>(work: (store: IdentityLinkStore) => Promise<T>): Promise<T>;
  /** The user a provider identity is linked to. */
  findLinkedUser(provider: string, subject: string): Promise<string | undefined>;
  /** Refreshes what the provider said about a linked identity. */
  touchIdentity(identity: ProviderIdentity): Promise<void>;
  link(identity: ProviderIdentity, userId: string, emailId: string): Promise<void>;
  findEmailOwner(address: string): Promise<EmailOwner | undefined>;
  /** Creates a user whose primary address is `address`, created through Hanko's third-party login; `then` runs in the store's transaction (the `user.created` record). */
  createUser(address: string, verified: boolean, then: (tx: unknown, userId: string) => Promise<void>): Promise<{ userId: string; emailId: string }>;
}

/** What SAML login keeps between requests: node-saml's request ids and the assertions used. */
export interface SamlReplayStore {
  /** node-saml's request-id cache. */
  readonly requests: CacheProvider;
  /** Records an assertion id as used for `minimumSeconds`; false when it already was (a replay). */
  markAssertionUsed(assertionId: string, minimumSeconds: number): Promise<boolean>;
}
