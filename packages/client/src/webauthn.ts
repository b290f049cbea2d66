/** The messages and the service of `tessera.webauthn.v1`. */
export * from "./gen/tessera/webauthn/v1/webauthn_pb.js";
