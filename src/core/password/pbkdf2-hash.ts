import { pbkdf2, timingSafeEqual } from "node:crypto";
import { decodeHashBase64 } from "./hash-base64.js";
import { hashFloors, sizeProblem } from "./hash-floors.js";
import { phcParameters, refuse, type DecodeResult, type HashAlgorithm } from "./hash-format.js";

/** The PRFs read, by the name in the hash's identifier, with node:crypto's digest name. */
const digests = { sha1: "sha1", sha224: "sha224", sha256: "sha256", sha384: "sha384", sha512: "sha512" } as const;

/**
 * Reads a PBKDF2 hash in the forms that carry their parameters:
 * - PHC and Kratos: `$pbkdf2-<sha1|sha224|sha256|sha384|sha512>$i=<iterations>[,l=<length>]$<salt>$<digest>`
 *   (base64 without padding; `l`, when given, is the digest's length);
 * - passlib: `$pbkdf2-sha256$<iterations>$<salt>$<digest>` in its adapted base64, and `$pbkdf2$…`
 *   for HMAC-SHA-1.
 * The salt is the decoded bytes in both (passlib's and Kratos's salts are random bytes).
 */
export function decodePbkdf2(text: string): DecodeResult {
  const parts = text.split("$");
  const identifier = /^pbkdf2(?:-(sha1|sha224|sha256|sha384|sha512))?$/.exec(parts[1] ?? "");
  if (identifier === null) return refuse("unknown", "not a PBKDF2 hash with SHA-1 or SHA-2");
  if (parts.length !== 5 || parts[0] !== "") return refuse("malformed", "a PBKDF2 hash is $pbkdf2-<digest>$i=…,l=…$salt$digest");
  const prf = identifier[1] ?? "sha1";
  const iterations = readIterations(parts[2]!, identifier[1] === undefined);
  if (iterations === undefined) return refuse("malformed", "the PBKDF2 parameters must be i=… and optionally l=… (or passlib's bare iteration count)");
  const salt = decodeHashBase64(parts[3]!);
  const digest = decodeHashBase64(parts[4]!);
  if (salt === undefined || digest === undefined) return refuse("malformed", "the PBKDF2 salt and digest must be base64");
  if (iterations.length !== undefined && iterations.length !== digest.length) return refuse("malformed", `l=${iterations.length} is not the digest's length (${digest.length} bytes)`);
  const size = sizeProblem(salt, digest);
  if (size !== undefined) return refuse("malformed", size);
  const floors = hashFloors.pbkdf2;
  const count = iterations.count;
  const ceiling = floors.maxIterations[prf as keyof typeof digests];
  if (count < 1) return refuse("malformed", "PBKDF2 needs at least one iteration");
  if (count > ceiling) return refuse("costly", `${count} PBKDF2 iterations are over the ceiling of ${ceiling} for ${prf.toUpperCase()}`);
  const algorithm: HashAlgorithm = `pbkdf2-${prf as keyof typeof digests}`;
  return {
    ok: true,
    hash: {
      algorithm,
      weakness: count < floors.minIterations ? `${count} PBKDF2 iterations are under the floor of ${floors.minIterations}` : undefined,
      current: false,
      verify: (password) =>
        new Promise((resolve, reject) => {
          pbkdf2(password, salt, count, digest.length, digests[prf as keyof typeof digests], (error, derived) => {
            if (error !== null) reject(error);
            else resolve(timingSafeEqual(derived, digest));
          });
        }),
    },
  };
}

/** The iteration count and optional length of `i=…[,l=…]`, or passlib's bare count (`$pbkdf2$` takes only that). */
function readIterations(segment: string, passlibOnly: boolean): { count: number; length: number | undefined } | undefined {
  if (/^(0|[1-9][0-9]{0,9})$/.test(segment)) return { count: Number(segment), length: undefined };
  if (passlibOnly) return undefined;
  const withLength = phcParameters(segment, ["i", "l"]);
  if (withLength !== undefined) return { count: withLength.get("i")!, length: withLength.get("l")! };
  const bare = phcParameters(segment, ["i"]);
  return bare === undefined ? undefined : { count: bare.get("i")!, length: undefined };
}
