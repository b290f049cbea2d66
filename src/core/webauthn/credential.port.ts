import type { NewCredential, WebauthnCredential } from "./credential.js";

/** What storing a credential gave: the stored credential, or why it was not stored. */
export type InsertCredentialOutcome = { stored: WebauthnCredential } | { refused: "limit" | "exists" };

/** The credential store the WebAuthn ceremony needs (implemented in `src/store/webauthn/`). */
export interface CredentialStore {
  /** The user's credentials, oldest first. */
  list(tenantId: string, userId: string): Promise<WebauthnCredential[]>;
  /** A credential by its credential id (base64url). */
  find(tenantId: string, credentialId: string): Promise<WebauthnCredential | undefined>;
  /**
   * Stores a credential unless its id is registered already (`exists`) or the user holds
   * `maxPerUser` (`limit`): counted and inserted under a lock on the user, so racing
   * registrations cannot pass the cap together.
   */
  insert(tenantId: string, credential: NewCredential, maxPerUser: number): Promise<InsertCredentialOutcome>;
  /**
   * Records a login at `now`: the new sign count, only if the stored one still is `previous`
   * (two logins racing with one assertion cannot both pass). False when it was not.
   */
  recordSignCount(id: string, previous: number, next: number, now: Date): Promise<boolean>;
}
