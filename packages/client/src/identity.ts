/** The messages and the service of `tessera.identity.v1`. */
export * from "./gen/tessera/identity/v1/identity_pb.js";
