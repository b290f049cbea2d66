import { randomInt } from "node:crypto";

/** A random 6-digit one-time code (uniform, from the CSPRNG), as every API here sends them. */
export function newSixDigitCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, "0");
}
