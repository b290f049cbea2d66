import { decodeArgon2 } from "./argon2-hash.js";
import { decodeBcrypt } from "./bcrypt-hash.js";
import { refuse, type DecodeResult, type HashAlgorithm, type HashProblem } from "./hash-format.js";
import { decodePbkdf2 } from "./pbkdf2-hash.js";
import { decodeScrypt } from "./scrypt-hash.js";

/** What `parsePasswordHash` says of a text: kept, with what it is, or refused with why. */
export type ParsedPasswordHash =
  | { ok: true; algorithm: HashAlgorithm; needsRehash: boolean }
  | { ok: false; problem: HashProblem; reason: string };

/** The longest hash text read: every supported format is far shorter. */
const maxHashLength = 1024;

/** Formats that are recognised but refused, with why (checked after the supported ones). */
const refusedFormats: ReadonlyArray<[RegExp, HashProblem, string]> = [
  [/^\$(1|apr1|md5-crypt)\$/, "weak", "MD5-crypt is broken: refused as weak, the user sets a new password"],
  [/^\$(5|6|sha256-crypt|sha512-crypt)\$/, "unknown", "SHA-crypt is not supported"],
  [/^\$(md5|sha1|sha256|sha512|hmac-[a-z0-9]+)\$/, "weak", "salted MD5, SHA and HMAC digests are fast hashes: refused as weak"],
  [/^\$firescrypt\$/, "unknown", "Firebase's scrypt is not supported"],
  [/^\{(S?SHA(256|384|512)?|S?MD5)\}/i, "weak", "LDAP {SHA}/{SSHA}/{MD5} digests are fast hashes and are refused as weak"],
  [/^[0-9a-f]{32}$/i, "weak", "looks like an unsalted MD5 digest: refused as weak"],
  [/^[0-9a-f]{40}$/i, "weak", "looks like an unsalted SHA-1 digest: refused as weak"],
  [/^[0-9a-f]{64}$|^[0-9a-f]{128}$/i, "weak", "looks like an unsalted SHA-2 digest: refused as weak"],
];

/**
 * Reads a stored or imported password hash: argon2id/argon2i (PHC), bcrypt, scrypt (PHC, passlib
 * and Kratos) and PBKDF2 (PHC, Kratos and passlib). Floors are not applied here (see
 * `parsePasswordHash`); ceilings are, so that no stored text makes a login cost seconds.
 */
export function decodePasswordHash(text: string): DecodeResult {
  if (text === "") return refuse("unknown", "the hash is empty");
  if (text.length > maxHashLength) return refuse("malformed", `the hash is longer than ${maxHashLength} characters`);
  if (text.startsWith("$argon2")) return decodeArgon2(text);
  if (text.startsWith("$2")) return decodeBcrypt(text);
  if (text.startsWith("$scrypt$")) return decodeScrypt(text);
  if (text.startsWith("$pbkdf2$") || text.startsWith("$pbkdf2-")) return decodePbkdf2(text);
  for (const [pattern, problem, reason] of refusedFormats) if (pattern.test(text)) return refuse(problem, reason);
  // Only an identifier from a fixed list is named: any other text, `$…$` included, may be a
  // password in clear, and a reason lands in an import's summary and in logs.
  const identifier = /^\$([A-Za-z0-9-]{1,32})\$/.exec(text)?.[1];
  const known = identifier === undefined ? undefined : knownUnsupported.get(identifier);
  return refuse("unknown", known === undefined ? "not a password hash in a supported format (a password in clear is never stored)" : `${known} ($${identifier}$) is not supported`);
}

/** Identifiers of published hash formats Tessera does not read, with their names: the only ones a reason names. */
const knownUnsupported: ReadonlyMap<string, string> = new Map([
  ["y", "yescrypt"],
  ["gy", "gost-yescrypt"],
  ["7", "scrypt in crypt(3) form"],
  ["3", "NT-hash crypt"],
  ["P", "phpass"],
  ["H", "phpass"],
  ["bcrypt-sha256", "passlib's bcrypt-sha256"],
  ["django", "Django's hash"],
  ["whirlpool", "Whirlpool"],
]);

/**
 * Says whether Tessera keeps `text` as a user's password hash, as an import checks each user's:
 * a supported format above the floors (`hash-floors.ts`), and whether it will be rehashed to
 * argon2id on the first successful login (everything but argon2id with Tessera's parameters).
 */
export function parsePasswordHash(text: string): ParsedPasswordHash {
  const decoded = decodePasswordHash(text);
  if (!decoded.ok) return { ok: false, problem: decoded.problem, reason: decoded.reason };
  const { algorithm, weakness, current } = decoded.hash;
  if (weakness !== undefined) return { ok: false, problem: "weak", reason: weakness };
  return { ok: true, algorithm, needsRehash: !current };
}
