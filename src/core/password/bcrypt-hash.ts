import { verify } from "@node-rs/bcrypt";
import { hashFloors } from "./hash-floors.js";
import { refuse, type DecodeResult } from "./hash-format.js";

/**
 * Reads a bcrypt hash in Modular Crypt Format, `$2a$`, `$2b$` or `$2y$` (the same algorithm; `$2y$`
 * is PHP's name for the fixed `$2a$`): a two-digit cost, 22 characters of salt and 31 of digest in
 * bcrypt's own base64. `$2x$` (crypt_blowfish's buggy one) is refused. Like every bcrypt, only the
 * first 72 bytes of a password count.
 */
export function decodeBcrypt(text: string): DecodeResult {
  const match = /^\$2([abxy])\$([0-9]{2})\$[./A-Za-z0-9]{53}$/.exec(text);
  if (match === null) return refuse("malformed", "a bcrypt hash is $2a$, $2b$ or $2y$, a two-digit cost and 53 characters of salt and digest");
  if (match[1] === "x") return refuse("unknown", "$2x$ hashes come from crypt_blowfish's sign-extension bug and are not supported");
  const cost = Number(match[2]);
  if (cost < 4 || cost > 31) return refuse("malformed", `bcrypt cost ${cost} is invalid (4 to 31)`);
  if (cost > hashFloors.bcrypt.maxCost) return refuse("costly", `bcrypt cost ${cost} is over the ceiling of ${hashFloors.bcrypt.maxCost}`);
  return {
    ok: true,
    hash: {
      algorithm: "bcrypt",
      weakness: cost < hashFloors.bcrypt.minCost ? `bcrypt cost ${cost} is under the floor of ${hashFloors.bcrypt.minCost}` : undefined,
      current: false,
      // The library compares the recomputed digest in constant time.
      verify: (password) => verify(password, text),
    },
  };
}
