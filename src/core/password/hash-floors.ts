/**
 * The floors under which an imported hash is refused as weak, and the ceilings over which it is
 * refused as too costly to check at every login. A weak hash is one a stolen dump gives up cheaply;
 * an operator gets the reason and the user resets the password. Hashes above the floors verify and
 * are rehashed to Tessera's argon2id on the first successful login.
 *
 * The ceilings bound the time of one check (a libuv thread held per login attempt), not memory
 * alone: each allows about half a second of one unloaded core (figures in docs/password-hashes.md).
 *
 * - bcrypt: cost 10 (2^10 rounds), the default of Go's, PHP's and most libraries' bcrypt, Hanko's
 *   included; costs 4 to 9 are valid bcrypt but weak, under 4 invalid. Ceiling 13.
 * - argon2 (id and i): OWASP's weakest recommended setting, memory × passes ≥ 35,840 KiB (its five
 *   settings, 47104×1 … 7168×5 KiB, all reach it) with at least 7 MiB of memory; argon2i also
 *   needs 3 passes (fewer are open to time-memory tradeoffs). Ceilings: memory × passes ≤
 *   512 MiB-passes, 256 MiB, 10 passes, 16 lanes.
 * - scrypt: 16 MiB of memory (128·N·r bytes; N = 2^14, r = 8 is scrypt's interactive setting and
 *   Kratos's example). Ceilings: N·r·p ≤ 2^20 (the work of 128 MiB, passlib's default N = 2^16,
 *   r = 8 with p ≤ 2), r ≤ 32, p ≤ 16.
 * - PBKDF2: 10,000 iterations for every PRF (NIST SP 800-63B's minimum). HMAC-SHA-1 is not weak as
 *   a PRF (HMAC needs no collision resistance), so pbkdf2-sha1 has the same floor. Ceilings
 *   1,300,000 iterations for SHA-1 (OWASP's recommendation), 1,200,000 for SHA-224/256 and 500,000
 *   for SHA-384/512 (a SHA-512 iteration costs about 2.5 SHA-256 ones).
 * - Every algorithm: a salt of at least 8 bytes and a digest of at least 16 bytes (at most 256).
 */
export const hashFloors = {
  bcrypt: { minCost: 10, maxCost: 13 },
  argon2: { minMemoryKib: 7168, minMemoryTimesPasses: 35_840, minArgon2iPasses: 3, maxMemoryKib: 262_144, maxMemoryTimesPasses: 524_288, maxPasses: 10, maxLanes: 16 },
  scrypt: { minMemoryBytes: 16 * 1024 * 1024, maxWork: 2 ** 20, maxBlockSize: 32, maxParallelism: 16 },
  pbkdf2: {
    minIterations: 10_000,
    maxIterations: { sha1: 1_300_000, sha224: 1_200_000, sha256: 1_200_000, sha384: 500_000, sha512: 500_000 },
  },
  salt: { minBytes: 8 },
  digest: { minBytes: 16, maxBytes: 256 },
} as const;

/** Why a salt or a digest is refused (`malformed`), if it is. */
export function sizeProblem(salt: Uint8Array, digest: Uint8Array): string | undefined {
  if (salt.length < hashFloors.salt.minBytes) return `a salt of ${salt.length} bytes is under the floor of ${hashFloors.salt.minBytes}`;
  if (digest.length < hashFloors.digest.minBytes || digest.length > hashFloors.digest.maxBytes) {
    return `a digest of ${digest.length} bytes is outside ${hashFloors.digest.minBytes} to ${hashFloors.digest.maxBytes}`;
  }
  return undefined;
}
