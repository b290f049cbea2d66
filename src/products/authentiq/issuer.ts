import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, SignJWT, type JWK } from "jose";
import type { KeyService } from "../../core/keys/key.service.js";
import type { SecretBox } from "../../core/keys/secret-box.js";

/** A published Ed25519 public key (RFC 8037). */
export interface IssuerPublicKey {
  kty: "OKP";
  kid: string;
  alg: "EdDSA";
  use: "sig";
  crv: "Ed25519";
  x: string;
}

/** Lifetime of signed scope claims: a verified address stays vouched for this long. */
export const signedClaimsLifetimeSeconds = 90 * 24 * 3600;

/**
 * The Authentiq issuer: signs verified claims with EdDSA. The real issuer signs with the
 * database's EdDSA signing key (rotated with `tessera keys rotate EdDSA`); the test issuer
 * (`?test=1`) with an Ed25519 key derived from the server key, under its own `iss`, so test
 * claims never verify as real ones.
 */
export interface Issuer {
  /** Signs `claims` (adding `iss`, `iat`, `exp`) and returns the JWT and the claims signed. */
  sign(claims: Record<string, unknown>, test: boolean): Promise<{ jwt: string; claims: Record<string, unknown> }>;
  /** The issuer's public keys, the signing one first. */
  publicKeys(test: boolean): Promise<IssuerPublicKey[]>;
}

/** Creates the issuer; `issuer` is the `iss` of real claims (the first origin). */
export function createIssuer(deps: { keys: KeyService; secrets: SecretBox; issuer: string; now?: () => number }): Issuer {
  const now = deps.now ?? Date.now;
  const testKey = deriveTestKey(deps.secrets);
  const testIssuer = `${deps.issuer.replace(/\/$/, "")}/test`;
  return {
    async sign(claims, test) {
      const key = test ? await testKey : await deps.keys.signingKey("EdDSA");
      const iat = Math.floor(now() / 1000);
      const signed = { ...claims, iss: test ? testIssuer : deps.issuer, iat, exp: iat + signedClaimsLifetimeSeconds };
      const jwt = await new SignJWT(signed).setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid: key.kid }).sign(key.privateKey);
      return { jwt, claims: signed };
    },
    async publicKeys(test) {
      if (test) return [(await testKey).publicJwk];
      return (await deps.keys.publicKeys("EdDSA")).map((jwk) => ({ kty: "OKP", kid: jwk.kid, alg: "EdDSA", use: "sig", crv: "Ed25519", x: jwk.x ?? "" }));
    },
  };
}

/** PKCS #8 DER prefix of an Ed25519 private key (RFC 8410 §7); the 32-byte seed follows. */
const ed25519Pkcs8Prefix = Buffer.from("302e020100300506032b657004220420", "hex");

async function deriveTestKey(secrets: SecretBox): Promise<{ kid: string; privateKey: KeyObject; publicJwk: IssuerPublicKey }> {
  const seed = secrets.hash("test issuer", "authentiq:test-issuer-seed");
  const privateKey = createPrivateKey({ key: Buffer.concat([ed25519Pkcs8Prefix, seed]), format: "der", type: "pkcs8" });
  const jwk = createPublicKey(privateKey).export({ format: "jwk" }) as JWK;
  const kid = `test-${await calculateJwkThumbprint(jwk, "sha256")}`;
  return { kid, privateKey, publicJwk: { kty: "OKP", kid, alg: "EdDSA", use: "sig", crv: "Ed25519", x: jwk.x! } };
}
