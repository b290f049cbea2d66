/** The messages and the service of `tessera.scope.v1`. */
export * from "./gen/tessera/scope/v1/scope_pb.js";
