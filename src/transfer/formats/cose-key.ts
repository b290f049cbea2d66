import { createPublicKey, type JsonWebKey } from "node:crypto";
import { cose, decodeCredentialPublicKey } from "@simplewebauthn/server/helpers";
import { binary, refuse } from "./fields.js";

/** EC2 curves WebAuthn verifies: COSE crv, the JWK name, the coordinate length, the algorithm that goes with it. */
const ec2Curves: Record<number, { name: string; length: number; alg: number }> = {
  [cose.COSECRV.P256]: { name: "P-256", length: 32, alg: cose.COSEALG.ES256 },
  [cose.COSECRV.P384]: { name: "P-384", length: 48, alg: cose.COSEALG.ES384 },
  [cose.COSECRV.P521]: { name: "P-521", length: 66, alg: cose.COSEALG.ES512 },
};

/** RSA algorithms WebAuthn verifies (RS256/384/512, PS256/384/512, RS1 of old Windows Hello keys). */
const rsaAlgs = new Set<number>([cose.COSEALG.RS256, cose.COSEALG.RS384, cose.COSEALG.RS512, cose.COSEALG.PS256, cose.COSEALG.PS384, cose.COSEALG.PS512, cose.COSEALG.RS1]);

/** The smallest RSA modulus a credential may have: below it a signature proves little. */
export const minRsaBits = 2048;

/**
 * A credential's public key in base64url, refused with the reason unless it decodes as a COSE key
 * that a login can verify: EC2 on P-256/384/521 with its algorithm, coordinates of the curve's
 * length and a point on the curve; OKP Ed25519 with EdDSA; RSA with a known algorithm and a
 * modulus of at least `minRsaBits` bits. The point and the modulus are checked by importing the
 * key with node:crypto, as the login will.
 */
export function cosePublicKey(value: unknown, path: string): string {
  const encoded = binary(value, path, 2048);
  let key: unknown;
  try {
    key = decodeCredentialPublicKey(new Uint8Array(Buffer.from(encoded, "base64url")));
  } catch {
    refuse(`${path} is not a COSE public key (not CBOR)`);
  }
  if (!(key instanceof Map)) refuse(`${path} is not a COSE public key (not a CBOR map)`);
  const kty = key.get(cose.COSEKEYS.kty);
  const alg = key.get(cose.COSEKEYS.alg);
  if (typeof alg !== "number") refuse(`${path} has no COSE algorithm`);
  const bytes = (label: number, name: string): Uint8Array => {
    const member = key.get(label);
    if (!(member instanceof Uint8Array)) refuse(`${path} has no ${name}`);
    return member;
  };
  let jwk: JsonWebKey;
  if (kty === cose.COSEKTY.EC2) {
    const curve = ec2Curves[key.get(cose.COSEKEYS.crv) as number];
    if (curve === undefined) refuse(`${path}: unknown EC2 curve`);
    if (alg !== curve.alg) refuse(`${path}: algorithm ${alg} does not go with curve ${curve.name}`);
    const x = bytes(cose.COSEKEYS.x, "x coordinate");
    const y = bytes(cose.COSEKEYS.y, "y coordinate");
    if (x.length !== curve.length || y.length !== curve.length) refuse(`${path}: ${curve.name} coordinates must be ${curve.length} bytes`);
    jwk = { kty: "EC", crv: curve.name, x: b64(x), y: b64(y) };
  } else if (kty === cose.COSEKTY.OKP) {
    if (key.get(cose.COSEKEYS.crv) !== cose.COSECRV.ED25519) refuse(`${path}: unknown OKP curve`);
    if (alg !== cose.COSEALG.EdDSA) refuse(`${path}: algorithm ${alg} does not go with Ed25519`);
    const x = bytes(cose.COSEKEYS.x, "public key");
    if (x.length !== 32) refuse(`${path}: an Ed25519 key must be 32 bytes`);
    jwk = { kty: "OKP", crv: "Ed25519", x: b64(x) };
  } else if (kty === cose.COSEKTY.RSA) {
    if (!rsaAlgs.has(alg)) refuse(`${path}: unknown RSA algorithm ${alg}`);
    const n = bytes(cose.COSEKEYS.n, "RSA modulus");
    const e = bytes(cose.COSEKEYS.e, "RSA exponent");
    const bits = modulusBits(n);
    if (bits < minRsaBits) refuse(`${path}: the RSA modulus has ${bits} bits, fewer than ${minRsaBits}`);
    if (e.length === 0 || e.length > 8 || (e[e.length - 1]! & 1) === 0) refuse(`${path}: the RSA exponent is not an odd number of at most 64 bits`);
    jwk = { kty: "RSA", n: b64(n), e: b64(e) };
  } else {
    refuse(`${path}: unknown COSE key type ${String(kty)}`);
  }
  try {
    createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    refuse(kty === cose.COSEKTY.EC2 ? `${path}: the point is not on the curve` : `${path}: the key does not import`);
  }
  return encoded;
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** The length in bits of a big-endian unsigned integer. */
function modulusBits(n: Uint8Array): number {
  let start = 0;
  while (start < n.length && n[start] === 0) start += 1;
  if (start === n.length) return 0;
  return (n.length - start - 1) * 8 + (32 - Math.clz32(n[start]!));
}
