/** The messages and the service of `tessera.verify.v1`. */
export * from "./gen/tessera/verify/v1/verify_pb.js";
