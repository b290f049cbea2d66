/** The messages and the service of `tessera.authenticator.v1`. */
export * from "./gen/tessera/authenticator/v1/authenticator_pb.js";
