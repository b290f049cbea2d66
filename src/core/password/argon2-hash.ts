import { verify } from "@node-rs/argon2";
import { decodePhcBase64 } from "./hash-base64.js";
import { hashFloors, sizeProblem } from "./hash-floors.js";
import { phcParameters, refuse, type DecodeResult } from "./hash-format.js";
import { tesseraArgon2 } from "./password-hash.js";

/**
 * Reads an argon2id or argon2i PHC string, `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<digest>`
 * (base64 without padding), as Tessera, Kratos, libsodium and the reference implementation write
 * it. Only version 19 (1.3) is read; argon2d (not meant for passwords), secrets and associated
 * data are refused.
 */
export function decodeArgon2(text: string): DecodeResult {
  const parts = text.split("$");
  const variant = parts[1];
  if (variant === "argon2d") return refuse("unknown", "argon2d is not meant for passwords and is not supported");
  if (variant !== "argon2id" && variant !== "argon2i") return refuse("unknown", "not an argon2id or argon2i hash");
  if (parts.length !== 6 || parts[0] !== "") return refuse("malformed", `an ${variant} hash is $${variant}$v=19$m=…,t=…,p=…$salt$digest`);
  if (parts[2] !== "v=19") return refuse("malformed", `only ${variant} version 19 (v=19) is supported`);
  const parameters = phcParameters(parts[3]!, ["m", "t", "p"]);
  if (parameters === undefined) return refuse("malformed", `the ${variant} parameters must be m=…,t=…,p=… (no keyid or data)`);
  const memory = parameters.get("m")!;
  const passes = parameters.get("t")!;
  const lanes = parameters.get("p")!;
  if (passes < 1 || lanes < 1 || memory < 8 * lanes) return refuse("malformed", `${variant} needs t ≥ 1, p ≥ 1 and m ≥ 8·p`);
  const salt = decodePhcBase64(parts[4]!);
  const digest = decodePhcBase64(parts[5]!);
  if (salt === undefined || digest === undefined) return refuse("malformed", `the ${variant} salt and digest must be standard base64 without padding`);
  const size = sizeProblem(salt, digest);
  if (size !== undefined) return refuse("malformed", size);
  const floors = hashFloors.argon2;
  if (memory > floors.maxMemoryKib || passes > floors.maxPasses || lanes > floors.maxLanes || memory * passes > floors.maxMemoryTimesPasses) {
    return refuse("costly", `${variant} m=${memory},t=${passes},p=${lanes} is over the ceilings m=${floors.maxMemoryKib},t=${floors.maxPasses},p=${floors.maxLanes},m·t=${floors.maxMemoryTimesPasses}`);
  }
  const weak = memory < floors.minMemoryKib || memory * passes < floors.minMemoryTimesPasses;
  // argon2i's memory accesses do not depend on the password: under 3 passes, time-memory
  // tradeoff attacks compute it with far less memory than it asks for.
  const fewPasses = variant === "argon2i" && passes < floors.minArgon2iPasses;
  return {
    ok: true,
    hash: {
      algorithm: variant,
      weakness: weak
        ? `${variant} m=${memory},t=${passes} is under the floor (m ≥ ${floors.minMemoryKib} KiB and m·t ≥ ${floors.minMemoryTimesPasses})`
        : fewPasses
          ? `argon2i t=${passes} is under the floor of ${floors.minArgon2iPasses} passes (time-memory tradeoffs)`
          : undefined,
      current: variant === "argon2id" && memory === tesseraArgon2.memoryCost && passes === tesseraArgon2.timeCost && lanes === tesseraArgon2.parallelism,
      // The library recomputes with the hash's own parameters and compares in constant time.
      verify: (password) => verify(text, password),
    },
  };
}
