import type { UsedTotpSteps } from "../../core/totp/used-step.port.js";
import type { CredentialsInTransaction } from "../../core/webauthn/credential.port.js";
import type { TokenState } from "./access-token.service.js";
import type { Contact } from "./contact.js";

/**
 * The stores the Authenticator API's services need (implemented in `src/store/authenticator/`),
 * each for one tenant; users and their contacts are the identity port's (`IdentityStore`). `Tx` is the store's transaction (from `RunInTransaction<Tx>`): a method
 * taking it writes or locks in that transaction; one taking none reads on its own.
 */

/** Which second factors a user allows. */
export interface FactorToggles {
  isCodeAllowed: boolean;
  isTotpAllowed: boolean;
  isDeviceAllowed: boolean;
}

/** A user's TOTP secret (sealed, see `totp-secret.ts`): confirmed once TOTP is allowed, an offer until then. */
export interface TotpState {
  sealedSecret: Uint8Array | null;
  /** The last time step a code was accepted for: a code counts once. */
  lastUsedStep: number | null;
  /** While TOTP is not confirmed: when the offered secret stops being confirmable. */
  offerExpiresAt: Date | null;
}

/** A user's second factors. */
export interface FactorSettings extends FactorToggles {
  userId: string;
  totp: TotpState;
}

/** A sign-up waiting for its code: what the code will create. */
export interface PendingSignup {
  tokenId: string;
  contact: Contact;
  /** The password's hash (argon2id), or null for a sign-up without one. */
  passwordHash: string | null;
}

/** A live token, locked in a transaction to move it on. */
export interface LockedToken {
  tokenId: string;
  userId: string;
  state: TokenState;
}

/** Users' passwords, and sign-ups on their way to becoming users. */
export interface AccountStore<Tx> {
  /** Sets the user's password hash. */
  savePasswordHash(tx: Tx, userId: string, hash: string): Promise<void>;
  /** Stores what a sign-up will create once its code comes back. */
  insertSignup(tx: Tx, signup: PendingSignup): Promise<void>;
  /** The sign-up of a token (read in `tx` when given). */
  findSignup(tokenId: string, tx?: Tx): Promise<PendingSignup | undefined>;
  /**
   * Creates the user `userId` with the sign-up's contact (verified), its password hash and
   * default second factors (codes allowed); false, with nothing written, when the contact is
   * taken. Only in a transaction the caller rolls back on false or a throw.
   */
  createAccount(tx: Tx, signup: PendingSignup, userId: string): Promise<boolean>;
}

/** Users' second factors. */
export interface FactorStore<Tx> {
  /** The user's factors; the defaults (codes only) for a user who never set them. */
  findSettings(userId: string): Promise<FactorSettings>;
  /** The user's factors, locked for the rest of `tx` (stored first with the defaults when missing). */
  lockSettings(tx: Tx, userId: string): Promise<FactorSettings>;
  /**
   * Writes the user's toggles, and the TOTP state only when `totp` is given: a toggle never
   * writes back a `lastUsedStep` read earlier (that would let a used code count again).
   */
  saveSettings(tx: Tx, userId: string, toggles: FactorToggles, totp?: TotpState): Promise<void>;
  /** The used TOTP steps of the users' secrets, claimed in `tx` (a code counts once). */
  usedSteps(tx: Tx): UsedTotpSteps;
}

/** The steps of the Authenticator API's token rows (the issued-token mechanic keeps the rest). */
export interface TokenStepStore<Tx> {
  /** The live (unused, unrevoked, unexpired at `at`, of an existing user) token, locked for the rest of `tx`. */
  lockLiveToken(tx: Tx, tokenId: string, at: Date): Promise<LockedToken | undefined>;
  /** Marks a token used: the step it answered is done, it cannot answer again. */
  markTokenUsed(tx: Tx, tokenId: string): Promise<void>;
  /** Revokes a token (its code was burned by wrong answers). */
  revokeToken(tx: Tx, tokenId: string): Promise<void>;
  /** Revokes every live token of the user but `keptId` (after a password change). */
  revokeOtherTokens(tx: Tx, userId: string, keptId: string): Promise<void>;
}

/**
 * Everything the Authenticator API's services store, as one object of the store; its WebAuthn
 * credentials are written in the caller's transaction (devices change under the settings lock).
 */
export interface AuthenticatorStore<Tx> extends AccountStore<Tx>, FactorStore<Tx>, TokenStepStore<Tx>, CredentialsInTransaction<Tx> {}
