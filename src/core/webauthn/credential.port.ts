import type { NewCredential, WebauthnCredential } from "./credential.js";

/** What storing a credential gave: the stored credential, or why it was not stored. */
export type InsertCredentialOutcome = { stored: WebauthnCredential } | { refused: "limit" | "exists" };

/**
 * The credential store the WebAuthn ceremony needs (implemented in `src/store/webauthn/`).
 * Products share a tenant's credentials: every read and change names the products
 * (`WebauthnCredential.product`) whose credentials it may see.
 */
export interface CredentialStore {
  /** The user's credentials registered by one of `products`, oldest first. */
  list(tenantId: string, userId: string, products: readonly string[]): Promise<WebauthnCredential[]>;
  /** A credential by its credential id (base64url), if one of `products` registered it. */
  find(tenantId: string, credentialId: string, products: readonly string[]): Promise<WebauthnCredential | undefined>;
  /**
   * Stores a credential unless its id is registered already in the tenant (`exists`) or the
   * user holds `limit.max` credentials of `limit.products` (`limit`): counted and inserted under
   * a lock on the user, so racing registrations cannot pass the cap together.
   */
  insert(tenantId: string, credential: NewCredential, limit: { max: number; products: readonly string[] }): Promise<InsertCredentialOutcome>;
  /** Renames the user's credential of one of `products` (null clears the name); undefined when the user has no such credential. */
  rename(tenantId: string, userId: string, credentialId: string, name: string | null, products: readonly string[]): Promise<WebauthnCredential | undefined>;
  /** Deletes the user's credential of one of `products`; false when the user has no such credential. */
  remove(tenantId: string, userId: string, credentialId: string, products: readonly string[]): Promise<boolean>;
  /**
   * Records a login at `now`: the new sign count, only if the stored one still is `previous`
   * (two logins racing with one assertion cannot both pass). False when it was not.
   */
  recordSignCount(id: string, previous: number, next: number, now: Date): Promise<boolean>;
}

/** The credential store writing in the caller's transaction (`Tx`), for a product whose credentials change with its own rows. */
export interface CredentialsInTransaction<Tx> {
  credentialsIn(tx: Tx): CredentialStore;
}
