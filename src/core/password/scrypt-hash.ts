import { scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { decodeHashBase64 } from "./hash-base64.js";
import { hashFloors, sizeProblem } from "./hash-floors.js";
import { phcParameters, refuse, type DecodeResult } from "./hash-format.js";

/** `ln` values up to this are log2(N) (PHC, passlib); larger ones are N itself (Kratos). */
const largestLogCost = 31;

/**
 * Reads an scrypt hash, `$scrypt$ln=<cost>,r=<block size>,p=<parallelism>$<salt>$<digest>`, in both
 * of its published forms: PHC's and passlib's, where `ln` is log2(N) and the base64 has no
 * padding (`ln=16`), and Kratos's, where `ln` is N itself and the base64 is padded
 * (`ln=16384`). An `ln` up to 31 is read as log2(N), a larger one as N (a power of two): an N
 * under 32 would be far under the floor anyway. The digest length is the decoded digest's.
 */
export function decodeScrypt(text: string): DecodeResult {
  const parts = text.split("$");
  if (parts.length !== 5 || parts[0] !== "" || parts[1] !== "scrypt") return refuse("malformed", "an scrypt hash is $scrypt$ln=…,r=…,p=…$salt$digest");
  const parameters = phcParameters(parts[2]!, ["ln", "r", "p"]);
  if (parameters === undefined) return refuse("malformed", "the scrypt parameters must be ln=…,r=…,p=…");
  const ln = parameters.get("ln")!;
  const blockSize = parameters.get("r")!;
  const parallelism = parameters.get("p")!;
  const cost = ln <= largestLogCost ? 2 ** ln : ln;
  if (cost < 2 || !Number.isSafeInteger(cost) || (cost & (cost - 1)) !== 0 || blockSize < 1 || parallelism < 1) {
    return refuse("malformed", "scrypt needs N a power of two above 1 (ln), r ≥ 1 and p ≥ 1");
  }
  const salt = decodeHashBase64(parts[3]!);
  const digest = decodeHashBase64(parts[4]!);
  if (salt === undefined || digest === undefined) return refuse("malformed", "the scrypt salt and digest must be base64");
  const size = sizeProblem(salt, digest);
  if (size !== undefined) return refuse("malformed", size);
  const memory = 128 * cost * blockSize;
  const floors = hashFloors.scrypt;
  if (cost * blockSize * parallelism > floors.maxWork || blockSize > floors.maxBlockSize || parallelism > floors.maxParallelism) {
    return refuse("costly", `scrypt N=${cost},r=${blockSize},p=${parallelism} is over the ceilings (N·r·p ≤ ${floors.maxWork}, r ≤ ${floors.maxBlockSize}, p ≤ ${floors.maxParallelism})`);
  }
  // What OpenSSL allocates: V (128·r·(N + 2) bytes) and B (128·r·p), with slack.
  const options: ScryptOptions = { N: cost, r: blockSize, p: parallelism, maxmem: 128 * blockSize * (cost + 2) + 128 * blockSize * parallelism + 2 ** 20 };
  return {
    ok: true,
    hash: {
      algorithm: "scrypt",
      weakness: memory < floors.minMemoryBytes ? `scrypt N=${cost},r=${blockSize} uses ${memory / 2 ** 20} MiB, under the floor of ${floors.minMemoryBytes / 2 ** 20} MiB` : undefined,
      current: false,
      verify: (password) =>
        new Promise((resolve, reject) => {
          scrypt(password, salt, digest.length, options, (error, derived) => {
            if (error !== null) reject(error);
            else resolve(timingSafeEqual(derived, digest));
          });
        }),
    },
  };
}
