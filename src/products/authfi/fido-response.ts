import { createHash } from "node:crypto";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { decodeAttestationObject, parseAuthenticatorData } from "@simplewebauthn/server/helpers";
import type { RelyingPartyConfig } from "../../core/webauthn/ceremony.js";
import { base64url, isBinary, parseClientData, toBase64url } from "../../core/webauthn/webauthn-encoding.js";
import { authfiError } from "./authfi-errors.js";

/** The authenticator data flags a ceremony checks. */
export interface Flags {
  up: boolean;
  uv: boolean;
}

/** A registration response that parsed: what verification and storage need. */
export interface ParsedAttestation {
  response: RegistrationResponseJSON;
  challenge: string;
  fmt: string;
  flags: Flags;
}

/** An assertion that parsed: what verification needs. */
export interface ParsedAssertion {
  response: AuthenticationResponseJSON;
  challenge: string;
  flags: Flags;
}

/**
 * Reads a registration response the way AuthFi reports its faults: 3100 for a missing,
 * malformed or unparseable response, 4000 for clientDataJSON, 4100 for authData.
 */
export function parseAttestation(input: RegistrationResponseJSON | undefined, rp: RelyingPartyConfig): ParsedAttestation {
  const malformed = (why: string, cause?: unknown) => authfiError("malformedRegistration", `fido_register_response ${why}`, cause);
  if (input === undefined) throw malformed("is required");
  const id = toBase64url(input.id);
  if (!isBinary(id) || toBase64url(input.rawId) !== id) throw malformed("needs id and rawId, the same base64url credential id");
  if (input.type !== "public-key") throw malformed('needs type "public-key"');
  const { attestationObject, clientDataJSON } = input.response;
  if (!isBinary(attestationObject, 32 * 1024)) throw malformed("needs response.attestationObject (base64url)");
  const challenge = readClientData(clientDataJSON, "webauthn.create", rp);
  let attestation;
  try {
    attestation = decodeAttestationObject(Buffer.from(toBase64url(attestationObject), "base64url"));
  } catch (cause) {
    throw malformed("has an attestationObject that is not CBOR", cause);
  }
  const fmt: unknown = attestation.get("fmt");
  const authData: unknown = attestation.get("authData");
  if (typeof fmt !== "string" || !(authData instanceof Uint8Array) || !(attestation.get("attStmt") instanceof Map)) {
    throw malformed("has an attestationObject without fmt, attStmt or authData");
  }
  const parsed = readAuthenticatorData(authData, rp);
  if (!parsed.flags.at || parsed.credentialID === undefined || parsed.credentialPublicKey === undefined) {
    throw authfiError("authenticatorData", "authData carries no attested credential");
  }
  if (base64url(parsed.credentialID) !== id) throw malformed("has an id that is not the attested credential's");
  return {
    response: {
      id,
      rawId: id,
      type: "public-key",
      response: { clientDataJSON: toBase64url(clientDataJSON), attestationObject: toBase64url(attestationObject), transports: input.response.transports ?? [] },
      clientExtensionResults: {},
    },
    challenge,
    fmt,
    flags: { up: parsed.flags.up, uv: parsed.flags.uv },
  };
}

/**
 * Reads an assertion the way AuthFi reports its faults: 3900 for a missing or malformed
 * response (`field` names it), 4000 for clientDataJSON, 4100 for authenticatorData.
 */
export function parseAssertion(input: AuthenticationResponseJSON | undefined, rp: RelyingPartyConfig, field: string): ParsedAssertion {
  const malformed = (why: string) => authfiError("malformedAssertion", `${field} ${why}`);
  if (input === undefined) throw malformed("is required");
  const id = toBase64url(input.id);
  if (!isBinary(id) || (input.rawId !== "" && toBase64url(input.rawId) !== id)) throw malformed("needs id (and rawId), the base64url credential id");
  if (input.type !== "public-key") throw malformed('needs type "public-key"');
  const { authenticatorData, clientDataJSON, signature } = input.response;
  if (!isBinary(signature) || !isBinary(authenticatorData)) throw malformed("needs response.authenticatorData and response.signature (base64url)");
  if (input.response.userHandle !== undefined && input.response.userHandle !== "" && !isBinary(input.response.userHandle, 64)) throw malformed("has a userHandle that is not base64url");
  const challenge = readClientData(clientDataJSON, "webauthn.get", rp);
  const parsed = readAuthenticatorData(Buffer.from(toBase64url(authenticatorData), "base64url"), rp);
  const userHandle = input.response.userHandle === undefined || input.response.userHandle === "" ? undefined : toBase64url(input.response.userHandle);
  return {
    response: {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: toBase64url(clientDataJSON),
        authenticatorData: toBase64url(authenticatorData),
        signature: toBase64url(signature),
        ...(userHandle === undefined ? {} : { userHandle }),
      },
      clientExtensionResults: {},
    },
    challenge,
    flags: { up: parsed.flags.up, uv: parsed.flags.uv },
  };
}

/** 4200 unless the user was present, and verified when the ceremony required it. */
export function checkFlags(flags: Flags, userVerificationRequired: boolean): void {
  if (!flags.up) throw authfiError("flags", "the authenticator did not assert user presence");
  if (userVerificationRequired && !flags.uv) throw authfiError("flags", "user verification was required and not done");
}

/** The challenge of a clientDataJSON of ceremony `type` from one of our origins; 4000 otherwise. */
function readClientData(clientDataJson: string, type: string, rp: RelyingPartyConfig): string {
  const clientData = parseClientData(clientDataJson);
  if (clientData === undefined) throw authfiError("clientData", "clientDataJSON is missing or not base64url JSON");
  if (clientData.type !== type) throw authfiError("clientData", `clientDataJSON is not of a ${type} ceremony`);
  if (typeof clientData.challenge !== "string" || !/^[A-Za-z0-9_-]{16,512}$/.test(clientData.challenge)) {
    throw authfiError("clientData", "clientDataJSON has no challenge");
  }
  if (typeof clientData.origin !== "string" || !rp.origins.includes(clientData.origin)) {
    throw authfiError("clientData", "clientDataJSON is from another origin");
  }
  return clientData.challenge;
}

/** Parsed authenticator data of our RP id; 4100 otherwise. */
function readAuthenticatorData(bytes: Uint8Array, rp: RelyingPartyConfig): ReturnType<typeof parseAuthenticatorData> {
  let parsed;
  try {
    parsed = parseAuthenticatorData(new Uint8Array(bytes));
  } catch (cause) {
    throw authfiError("authenticatorData", "the authenticator data cannot be parsed", cause);
  }
  const expected = createHash("sha256").update(rp.id).digest();
  if (!expected.equals(Buffer.from(parsed.rpIdHash))) throw authfiError("authenticatorData", "the authenticator data is for another RP id");
  return parsed;
}
