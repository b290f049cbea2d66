import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { AssertionResponse, AttestationResponse } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { knownTransports } from "../core/webauthn/transports.js";
import { toBase64url } from "../core/webauthn/webauthn-encoding.js";

// WebAuthn's JSON (WebAuthn level 3 §5.1.8, §5.5, §5.1.3.1, §5.1.4.1) and the shared messages of
// tessera.webauthn.v1, mapped once for every product that speaks it (Hanko, AuthFi, the
// Authenticator API).

/** A `PublicKeyCredential` message as each product's request carries it. */
interface CredentialMessage<R> {
  id: string;
  rawId: string;
  type: string;
  response?: R | undefined;
  authenticatorAttachment?: string | undefined;
}

/** `clientDataJSON`, or the seed's spelling `clientDataJson` when only that was sent. */
function clientDataJson(response: { clientDataJson: string; clientDataJsonDocumented: string } | undefined): string {
  return response === undefined ? "" : response.clientDataJson || response.clientDataJsonDocumented;
}

/** The members every `PublicKeyCredential` has, around its `response` (ids as base64url). */
function credentialJson<R>(credential: CredentialMessage<unknown>, response: R) {
  return {
    id: toBase64url(credential.id),
    rawId: toBase64url(credential.rawId),
    type: credential.type as "public-key",
    response,
    clientExtensionResults: {},
    ...(credential.authenticatorAttachment === undefined ? {} : { authenticatorAttachment: credential.authenticatorAttachment as "platform" | "cross-platform" }),
  };
}

/**
 * The registration response (`navigator.credentials.create()`) of a message: binary members as
 * base64url (the seeds' clients may send base64), transports WebAuthn knows only.
 */
export function registrationResponse(credential: CredentialMessage<AttestationResponse>): RegistrationResponseJSON {
  const { response } = credential;
  return credentialJson(credential, {
    clientDataJSON: toBase64url(clientDataJson(response)),
    attestationObject: toBase64url(response?.attestationObject ?? ""),
    transports: knownTransports(response?.transports),
  });
}

/** The authentication response (`navigator.credentials.get()`) of a message, binary members as base64url. */
export function authenticationResponse(credential: CredentialMessage<AssertionResponse>): AuthenticationResponseJSON {
  const { response } = credential;
  return credentialJson(credential, {
    clientDataJSON: toBase64url(clientDataJson(response)),
    authenticatorData: toBase64url(response?.authenticatorData ?? ""),
    signature: toBase64url(response?.signature ?? ""),
    ...(response?.userHandle === undefined ? {} : { userHandle: toBase64url(response.userHandle) }),
  });
}

/** Creation options from @simplewebauthn/server as the `CreationOptions` message. */
export function creationOptions(options: PublicKeyCredentialCreationOptionsJSON) {
  return {
    rp: { id: options.rp.id ?? "", name: options.rp.name },
    user: { id: options.user.id, name: options.user.name, displayName: options.user.displayName },
    challenge: options.challenge,
    pubKeyCredParams: options.pubKeyCredParams.map((param) => ({ type: param.type, alg: param.alg })),
    timeout: options.timeout ?? 0,
    excludeCredentials: (options.excludeCredentials ?? []).map((descriptor) => ({ type: descriptor.type, id: descriptor.id, transports: descriptor.transports ?? [] })),
    authenticatorSelection: {
      ...(options.authenticatorSelection?.authenticatorAttachment === undefined ? {} : { authenticatorAttachment: options.authenticatorSelection.authenticatorAttachment }),
      ...(options.authenticatorSelection?.residentKey === undefined ? {} : { residentKey: options.authenticatorSelection.residentKey }),
      requireResidentKey: options.authenticatorSelection?.requireResidentKey ?? false,
      userVerification: options.authenticatorSelection?.userVerification ?? "",
    },
    attestation: options.attestation ?? "none",
  };
}

/** Request options from @simplewebauthn/server as the `RequestOptions` message. */
export function requestOptions(options: PublicKeyCredentialRequestOptionsJSON) {
  return {
    challenge: options.challenge,
    timeout: options.timeout ?? 0,
    rpId: options.rpId ?? "",
    allowCredentials: (options.allowCredentials ?? []).map((descriptor) => ({ type: descriptor.type, id: descriptor.id, transports: descriptor.transports ?? [] })),
    userVerification: options.userVerification ?? "",
  };
}
