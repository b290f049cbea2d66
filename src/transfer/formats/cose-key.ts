import { cose, decodeCredentialPublicKey } from "@simplewebauthn/server/helpers";
import { binary, refuse } from "./fields.js";

/** The COSE parameters each key type needs beside kty and alg (RFC 9053): EC2 crv/x/y, OKP crv/x, RSA n/e. */
const required: Record<number, number[]> = {
  [cose.COSEKTY.EC2]: [cose.COSEKEYS.crv, cose.COSEKEYS.x, cose.COSEKEYS.y],
  [cose.COSEKTY.OKP]: [cose.COSEKEYS.crv, cose.COSEKEYS.x],
  [cose.COSEKTY.RSA]: [cose.COSEKEYS.n, cose.COSEKEYS.e],
};

/** A credential's public key in base64url, refused unless it decodes as a CBOR map holding a COSE key with kty, alg and the parameters its key type needs. */
export function cosePublicKey(value: unknown, path: string): string {
  const encoded = binary(value, path, 2048);
  let key: unknown;
  try {
    key = decodeCredentialPublicKey(new Uint8Array(Buffer.from(encoded, "base64url")));
  } catch {
    refuse(`${path} is not a COSE public key`);
  }
  if (!(key instanceof Map)) refuse(`${path} is not a COSE public key`);
  const kty = key.get(cose.COSEKEYS.kty);
  const needs = typeof kty === "number" ? required[kty] : undefined;
  if (needs === undefined || typeof key.get(cose.COSEKEYS.alg) !== "number" || needs.some((label) => !key.has(label))) refuse(`${path} is not a COSE public key`);
  return encoded;
}
