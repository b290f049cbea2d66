/** What the password hash parser says of a stored hash. */
export type ParsedPasswordHash = { ok: true; algorithm: string; needsRehash: boolean } | { ok: false; reason: string };

/**
 * Accepts the hashes Tessera verifies at login: argon2id PHC strings. A stand-in for the core
 * password parser (legacy bcrypt, scrypt, PBKDF2, argon2i), with its signature, until it lands.
 */
export function parsePasswordHash(text: string): ParsedPasswordHash {
  if (/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.test(text)) return { ok: true, algorithm: "argon2id", needsRehash: false };
  // Only a scheme name is echoed: a line may hold a clear password where a hash belongs.
  const scheme = /^\$([a-z0-9-]{1,16})\$/.exec(text)?.[1];
  return { ok: false, reason: scheme === undefined ? "the password hash is in no format Tessera reads" : `password hashes of scheme $${scheme}$ are not accepted` };
}
