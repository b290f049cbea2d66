import { hash, verify } from "@node-rs/argon2";

/** argon2id with OWASP's minimum: 19 MiB, 2 passes, 1 lane (~12 ms here). */
const argon2Options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Verified against when there is no stored hash, so both refusals cost the same. */
let decoy: Promise<string> | undefined;

/** The argon2id hash (PHC string) of `password`. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

/**
 * True when `password` matches `stored`; with no stored hash it checks a decoy and answers
 * false, so an unknown account costs the same as a wrong password. The library compares in
 * constant time.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  decoy ??= hashPassword("decoy password that matches nothing");
  const matches = await verify(stored ?? (await decoy), password);
  return stored !== undefined && matches;
}
