import { createHmac } from "node:crypto";
import { SignJWT } from "jose";
import { rest, type RestResponse } from "../harness/rest.js";

/** The VERIFY_JWT_SECRET the test servers run with. */
export const verifyJwtSecret = "jincor-test-secret-that-is-long-enough";

/** A service token signed HS256 with `secret`, expiring in `expiresIn` (jose time span). */
export async function serviceToken(secret = verifyJwtSecret, expiresIn: string | number = "5m"): Promise<string> {
  return new SignJWT({ login: "auth-service" }).setProtectedHeader({ alg: "HS256" }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));
}

/** A token with `alg: none` and no signature. */
export function unsignedToken(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part({ login: "auth-service", exp: Math.floor(Date.now() / 1000) + 300 })}.`;
}

/** `Authorization: Bearer …` headers. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Calls a Jincor path with a valid service token unless `headers` say otherwise. */
export async function jincor(url: string, method: string, path: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<RestResponse> {
  const headers = options.headers ?? bearer(await serviceToken());
  return rest(url, method, path, { ...options, headers: { accept: "application/vnd.jincor+json; version=1", ...headers } });
}

let counter = 0;

/** A unique email address. */
export function freshEmail(): string {
  return `jincor${++counter}-${process.pid}-${Date.now()}@example.com`;
}

/** A unique phone number. */
export function freshPhone(): string {
  return `+1555${String(process.pid % 1000).padStart(3, "0")}${String(++counter).padStart(4, "0")}`;
}

/** RFC 4648 base32 decoding (no padding needed). */
export function base32Decode(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const character of text.replace(/=+$/, "").toUpperCase()) {
    const index = alphabet.indexOf(character);
    if (index < 0) throw new Error(`not base32: ${character}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (HMAC-SHA-1, 30 s steps) of `secret` at unix time `seconds`, written independently of the server. */
export function totp(secret: Buffer, seconds: number, digits = 6): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, "0");
}

/** The base32 secret in an `otpauth://` URI. */
export function secretOf(totpUri: string): Buffer {
  const secret = new URL(totpUri).searchParams.get("secret");
  if (secret === null) throw new Error(`no secret in ${totpUri}`);
  return base32Decode(secret);
}
