import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/server";

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
