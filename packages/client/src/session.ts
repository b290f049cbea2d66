/** The messages and the service of `tessera.session.v1` (sessions, passwords, federation). */
export * from "./gen/tessera/session/v1/session_pb.js";
export * from "./gen/tessera/session/v1/federation_pb.js";
