import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { rest, type RestResponse } from "../harness/rest.js";

/** An Authentiq identity: an Ed25519 key pair, `pk` its 43-char base64url public key. */
export interface Identity {
  pk: string;
  privateKey: KeyObject;
}

/** A new identity. */
export function newIdentity(): Identity {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return { pk: publicKey.export({ format: "jwk" }).x!, privateKey };
}

/** `JWT(sub: id.pk, …claims)` signed by `signer` (the identity's own key unless given). */
export function selfSigned(id: Identity, claims: Record<string, unknown> = {}, signer: KeyObject = id.privateKey): Promise<string> {
  return new SignJWT({ sub: id.pk, ...claims }).setProtectedHeader({ alg: "EdDSA" }).sign(signer);
}

/** The registration JWT of `id`. */
export function registration(id: Identity, claims: Record<string, unknown> = {}): Promise<string> {
  return selfSigned(id, { devtoken: `device-${id.pk.slice(0, 8)}`, ...claims });
}

/** Sends `jwt` as an `application/jwt` body. */
export function sendJwt(url: string, method: string, path: string, jwt: string, headers: Record<string, string> = {}): Promise<RestResponse> {
  return rest(url, method, path, { rawBody: jwt, headers: { "content-type": "application/jwt", ...headers } });
}

/** Registers `id` over REST and returns its revocation secret. */
export async function register(url: string, id: Identity): Promise<string> {
  const response = await sendJwt(url, "POST", "/key", await registration(id));
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${response.text}`);
  return (response.json as { secret: string }).secret;
}

/** base64url of a JSON value, for hand-made JWT parts. */
export const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

let counter = 0;
/** A unique email address. */
export function freshEmail(): string {
  return `aq${++counter}-${process.pid}-${Date.now()}@example.com`;
}
/** A unique phone number. */
export function freshPhone(): string {
  return `+4478${String(process.pid % 1000).padStart(3, "0")}${String(++counter).padStart(5, "0")}`;
}

/**
 * The JWTs every Authentiq endpoint must refuse, built for `id`: `alg: none`, a tampered
 * payload, another key's signature, an expired one, and bodies that are not a JWT.
 */
export async function badJwts(id: Identity, claims: Record<string, unknown>): Promise<Array<[string, string, number]>> {
  const good = await selfSigned(id, claims);
  const [header, payload, signature] = good.split(".") as [string, string, string];
  return [
    ["alg none", `${b64({ alg: "none" })}.${payload}.`, 401],
    ["tampered payload", `${header}.${b64({ sub: id.pk, ...claims, extra: "x" })}.${signature}`, 401],
    ["another key's signature", await selfSigned(id, claims, newIdentity().privateKey), 401],
    ["expired", await selfSigned(id, { ...claims, exp: Math.floor(Date.now() / 1000) - 60 }), 401],
    ["not yet valid", await selfSigned(id, { ...claims, nbf: Math.floor(Date.now() / 1000) + 3600 }), 401],
    ["not a JWT", "hello", 400],
    ["JSON instead of a JWT", JSON.stringify({ sub: id.pk, ...claims }), 400],
  ];
}
