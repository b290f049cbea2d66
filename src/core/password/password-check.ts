import type { Logger } from "../../log.js";
import type { SecretBox } from "../keys/secret-box.js";
import { createDecoyHashes } from "./decoy-hashes.js";
import { hashPassword } from "./password-hash.js";
import type { PasswordHashStore } from "./password.port.js";
import { verifyPasswordHash } from "./password-verify.js";

/** What a password check found: the user's password, a wrong one, or a user with no password (or no user). */
export type PasswordVerdict = "matches" | "wrong" | "no_password";

/** A user id no user has: looked up for an unknown user, so that both cost the same query. */
const nobody = "00000000-0000-4000-8000-000000000000";

/**
 * The one place that checks a user's password, for every product: verifies it against the stored
 * hash in whatever format it was imported (`verifyPasswordHash`) and, on a match with a hash that
 * is not Tessera's current argon2id, stores argon2id of the password in its place.
 */
export interface PasswordCheck {
  /**
   * Checks `password` for `userId` (undefined: an unknown user). Without a usable hash the
   * password is checked against the decoy of `lookupKey` (what the caller looked the user up by,
   * by default `userId`): chosen among the tenant's hash schemes, so that an unknown address
   * costs what a user's hash costs, and always the same. The upgrade is written before this resolves, in one statement that only replaces
   * the hash that was verified (when it changed meanwhile, the answer is "wrong"); a store failure
   * rejects (the login fails with it).
   */
  check(userId: string | undefined, password: string, lookupKey?: string): Promise<PasswordVerdict>;
  /** Reads the tenant's hash schemes again for the decoys (after an import), at the next check. */
  refreshDecoys(): void;
}

/** Creates the password check over one tenant's password hashes. */
export function createPasswordCheck(deps: { store: PasswordHashStore; secrets: SecretBox; logger?: Logger; now?: () => number }): PasswordCheck {
  const { store, logger } = deps;
  const decoys = createDecoyHashes({ schemes: () => store.countHashSchemes(), secrets: deps.secrets, now: deps.now });
  return {
    refreshDecoys: () => decoys.refresh(),
    async check(userId, password, lookupKey = userId ?? "") {
      // The hashes are computed outside any transaction: argon2 work would hold a connection
      // (PGlite's only one) for tens of milliseconds. The upgrade is a compare-and-swap instead.
      const stored = await store.findPasswordHash(userId ?? nobody);
      const decoy = async (typed: string) => (await decoys.decoyFor(lookupKey)).verify(typed).catch(() => false);
      const { matches, needsRehash, failed } = await verifyPasswordHash(stored, password, decoy);
      // Only the algorithm and the user: the hash and the password stay out of logs.
      if (failed !== undefined) logger?.warn("a stored password hash could not be verified", { algorithm: failed, userId });
      if (stored === undefined || userId === undefined) return "no_password";
      if (!matches) return "wrong";
      // A hash changed since it was read (a reset landed during the check) was not verified: the
      // password that matched the old one is no longer the user's.
      if (needsRehash && !(await store.replacePasswordHash(userId, stored, await hashPassword(password)))) return "wrong";
      return "matches";
    },
  };
}
