import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

/** A minimal CBOR encoder (RFC 8949) for what authenticators emit: ints, bytes, text, arrays, maps. */
export function cbor(value: unknown): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (n < 24) return Buffer.of((major << 5) | n);
    if (n < 0x100) return Buffer.of((major << 5) | 24, n);
    if (n < 0x10000) return Buffer.of((major << 5) | 25, n >> 8, n & 0xff);
    const out = Buffer.alloc(5);
    out[0] = (major << 5) | 26;
    out.writeUInt32BE(n, 1);
    return out;
  };
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  if (value instanceof Map) return Buffer.concat([head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)])]);
  throw new Error(`cbor: cannot encode ${typeof value}`);
}

/** The COSE_Key (EC2, P-256, ES256) of a public key. */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  return cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, "base64url")], [-3, Buffer.from(jwk.y!, "base64url")]]));
}

/** Authenticator data flag bits (WebAuthn level 3 §6.1). */
export const flags = { up: 0x01, uv: 0x04, at: 0x40 };
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest();

/** A registered credential the test holds. */
export interface SoftwareCredential {
  id: Buffer;
  privateKey: KeyObject;
  userHandle: Buffer | undefined;
  counter: number;
}

/**
 * A software WebAuthn authenticator: ES256 keys from node:crypto, attestation `none` or
 * `packed` self-attestation, user presence and verification always asserted.
 */
export class SoftwareAuthenticator {
  readonly aaguid = Buffer.alloc(16, 0x11);

  constructor(
    readonly origin: string,
    readonly rpId: string,
  ) {}

  /** Answers creation options like `navigator.credentials.create()` (JSON, base64url). */
  create(
    options: { challenge: string; user: { id: string } },
    format: "none" | "packed" = "none",
    overrides: { origin?: string; rpId?: string; flags?: number; fmt?: string; attStmt?: Map<string, unknown>; reuse?: SoftwareCredential } = {},
  ) {
    // `reuse` registers an existing credential (its id and key pair) again, e.g. at another RP tenant.
    const { privateKey, publicKey } =
      overrides.reuse === undefined ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : { privateKey: overrides.reuse.privateKey, publicKey: createPublicKey(overrides.reuse.privateKey) };
    const id = overrides.reuse?.id ?? randomBytes(32);
    const cose = coseKey(publicKey);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([this.authDataHead(overrides.rpId ?? this.rpId, overrides.flags ?? flags.up | flags.uv | flags.at, 0), this.aaguid, idLength, id, cose]);
    const clientData = this.clientData("webauthn.create", options.challenge, overrides.origin);
    const attStmt =
      format === "none"
        ? new Map()
        : new Map<string, unknown>([
            ["alg", -7],
            ["sig", sign("sha256", Buffer.concat([authData, sha256(clientData)]), privateKey)],
          ]);
    const attestationObject = cbor(new Map<string, unknown>([["fmt", overrides.fmt ?? format], ["attStmt", overrides.attStmt ?? attStmt], ["authData", authData]]));
    const credential: SoftwareCredential = { id, privateKey, userHandle: Buffer.from(options.user.id, "base64url"), counter: 0 };
    return {
      credential,
      response: {
        id: id.toString("base64url"),
        rawId: id.toString("base64url"),
        type: "public-key",
        response: { clientDataJSON: clientData.toString("base64url"), attestationObject: attestationObject.toString("base64url"), transports: ["internal"] },
      },
    };
  }

  /** A new ES256 credential and its COSE public key, as a registration would store it. */
  newCredential(userHandle?: Buffer): { credential: SoftwareCredential; cosePublicKey: Buffer } {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    return { credential: { id: randomBytes(32), privateKey, userHandle, counter: 0 }, cosePublicKey: coseKey(publicKey) };
  }

  /** Answers request options like `navigator.credentials.get()`; the counter goes up by one unless given. */
  get(credential: SoftwareCredential, challenge: string, overrides: { counter?: number; origin?: string; withUserHandle?: boolean; flags?: number } = {}) {
    credential.counter = overrides.counter ?? credential.counter + 1;
    const authData = this.authDataHead(this.rpId, overrides.flags ?? flags.up | flags.uv, credential.counter);
    const clientData = this.clientData("webauthn.get", challenge, overrides.origin);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientData)]), credential.privateKey);
    return {
      id: credential.id.toString("base64url"),
      rawId: credential.id.toString("base64url"),
      type: "public-key",
      response: {
        clientDataJSON: clientData.toString("base64url"),
        authenticatorData: authData.toString("base64url"),
        signature: signature.toString("base64url"),
        ...(overrides.withUserHandle && credential.userHandle ? { userHandle: credential.userHandle.toString("base64url") } : {}),
      },
    };
  }

  private authDataHead(rpId: string, flagBits: number, counter: number): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(Buffer.from(rpId)), Buffer.of(flagBits), count]);
  }

  private clientData(type: string, challenge: string, origin?: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: origin ?? this.origin, crossOrigin: false }));
  }
}
