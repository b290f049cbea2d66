/** The password hash algorithms Tessera verifies: its own argon2id and the legacy ones it imports. */
export type HashAlgorithm = "argon2id" | "argon2i" | "bcrypt" | "scrypt" | "pbkdf2-sha1" | "pbkdf2-sha224" | "pbkdf2-sha256" | "pbkdf2-sha384" | "pbkdf2-sha512";

/**
 * Why a text is not a hash Tessera keeps: `unknown` (no supported format: plain text, MD5, SHA-1,
 * crypt(3) …), `malformed` (a supported format, badly written), `weak` (under the floors of
 * `hash-floors.ts`), `costly` (over the ceilings: one login would take seconds or gigabytes).
 */
export type HashProblem = "unknown" | "malformed" | "weak" | "costly";

/** A refusal: `reason` is a sentence for an operator; it never quotes the text (it may be a password). */
export interface HashRefusal {
  ok: false;
  problem: HashProblem;
  reason: string;
}

/** A hash read from its text: the algorithm, its parameters checked, ready to verify. */
export interface DecodedHash {
  algorithm: HashAlgorithm;
  /** Why it is under the floors, when it is: verified all the same once stored, refused at import. */
  weakness: string | undefined;
  /** True when it is argon2id with Tessera's current parameters: nothing to upgrade. */
  current: boolean;
  /** True when `password` is the one hashed; the comparison is constant time. */
  verify(password: string): Promise<boolean>;
}

/** What reading a hash text gives. */
export type DecodeResult = { ok: true; hash: DecodedHash } | HashRefusal;

/** A refusal of `problem` for `reason`. */
export function refuse(problem: HashProblem, reason: string): HashRefusal {
  return { ok: false, problem, reason };
}

/** Parses `name=value` pairs of a PHC parameter segment (`m=19456,t=2,p=1`) into integers, in the order given. */
export function phcParameters(segment: string, names: readonly string[]): Map<string, number> | undefined {
  const pairs = segment.split(",");
  if (pairs.length !== names.length) return undefined;
  const values = new Map<string, number>();
  for (const [index, pair] of pairs.entries()) {
    const match = /^([a-z]+)=(0|[1-9][0-9]{0,9})$/.exec(pair);
    if (match === null || match[1] !== names[index]) return undefined;
    values.set(match[1]!, Number(match[2]));
  }
  return values;
}
