import { verify } from "@node-rs/argon2";
import type { HashAlgorithm } from "./hash-format.js";
import { decodePasswordHash } from "./password-format.js";
import { hashPassword } from "./password-hash.js";

/** What checking a password against a stored hash says. */
export interface PasswordVerification {
  matches: boolean;
  /** True when the stored hash is not argon2id with Tessera's parameters: store a new one on a match. */
  needsRehash: boolean;
  /** Set when the verifier threw on a stored hash that decoded (answered as no match): its algorithm, to log. */
  failed?: HashAlgorithm;
}

/** Verified against when there is no usable stored hash, so that every refusal costs at least one of Tessera's own checks. */
let decoy: Promise<string> | undefined;

/**
 * Checks `password` against `stored` in any format `decodePasswordHash` reads (weak ones too: a
 * stored hash was accepted once and is upgraded on this login). With no stored hash, or one that
 * does not decode, it checks `decoy` (by default Tessera's own argon2id; `PasswordCheck` gives
 * one chosen among the tenant's schemes) and answers no match. Every comparison is constant time.
 */
export async function verifyPasswordHash(stored: string | undefined, password: string, decoy: (password: string) => Promise<unknown> = checkDecoy): Promise<PasswordVerification> {
  const decoded = stored === undefined ? undefined : decodePasswordHash(stored);
  if (decoded === undefined || !decoded.ok) {
    await decoy(password);
    return { matches: false, needsRehash: false };
  }
  try {
    return { matches: await decoded.hash.verify(password), needsRehash: !decoded.hash.current };
  } catch {
    // A hash the import kept but the library refuses: no match, at no less than a decoy's cost,
    // never an error that would answer 500 (and never the hash or the password in a message).
    await decoy(password);
    return { matches: false, needsRehash: false, failed: decoded.hash.algorithm };
  }
}

/** One check of the decoy argon2id hash. */
async function checkDecoy(password: string): Promise<void> {
  decoy ??= hashPassword("decoy password that matches nothing");
  await verify(await decoy, password);
}
