/**
 * Decodes the base64 of a hash's salt or digest as the formats Tessera reads write it: standard
 * alphabet without padding (PHC), with padding (Kratos's scrypt), or passlib's "adapted" alphabet
 * with `.` for `+`. Undefined for anything else, non-canonical trailing bits included, so that one
 * stored value has one reading.
 */
export function decodeHashBase64(text: string): Uint8Array | undefined {
  const unpadded = text.replace(/={1,2}$/, "");
  if (unpadded.length === 0 || !/^[A-Za-z0-9+/.]+$/.test(unpadded) || unpadded.length % 4 === 1) return undefined;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return undefined;
  const standard = unpadded.replaceAll(".", "+");
  const bytes = Buffer.from(standard, "base64");
  if (bytes.toString("base64").replace(/=+$/, "") !== standard) return undefined;
  return new Uint8Array(bytes);
}

/**
 * Decodes PHC's base64 strictly: standard alphabet, no padding, canonical. What argon2's verifier
 * (@node-rs/argon2) reads: a looser spelling would pass import and fail every login.
 */
export function decodePhcBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+$/.test(text)) return undefined;
  return decodeHashBase64(text);
}
