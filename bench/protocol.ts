/** Messages between bench/run.ts and the server children it forks, over the IPC channel. */

/** The REST path of SessionService/GetJwks, served by Tessera and the jwks baseline. */
export const jwksPath = "/.well-known/jwks.json";

/** The REST path of IdentityService/GetCurrentUser (Hanko's `GET /me`), served by Tessera and the /me baseline. */
export const mePath = "/me";

/** What a child is to serve; each child accepts only its own kind. */
export type StartPayload =
  /** Tessera (bench/server.ts): PGlite in memory, or PostgreSQL at `databaseUrl` (an empty database). */
  | { kind: "tessera"; databaseUrl: string | undefined }
  /** The jwks baseline (bench/baseline.ts): serves `body` (base64) with `contentType`. */
  | { kind: "jwks-baseline"; body: string; contentType: string }
  /** The /me baseline (bench/me-baseline.ts): verifies Bearer JWTs against the public RSA key `jwk`. */
  | { kind: "me-baseline"; jwk: PublicRsaJwk };

/** An RS256 public key as Tessera publishes it. */
export interface PublicRsaJwk {
  kty: "RSA";
  kid: string;
  alg: "RS256";
  n: string;
  e: string;
}

/** A session Tessera's child issued for the benchmark. */
export interface BenchSession {
  /** The RS256 session JWT. */
  token: string;
  userId: string;
  /** The key id it is signed with, as published in the JWKS. */
  kid: string;
}

/** Parent → child. */
export type ParentMessage =
  /** Start serving. */
  | { type: "start"; payload: StartPayload }
  /** Report the child's CPU time so far. */
  | { type: "cpu"; id: number };

/** Child → parent. */
export type ChildMessage =
  /** Serving on `port`; Tessera adds its database engine and a session to call /me with. */
  | { type: "listening"; port: number; engine?: "pglite" | "postgres"; session?: BenchSession }
  | { type: "failed"; message: string }
  /** CPU time (user + system) in microseconds since the child started. */
  | { type: "cpu"; id: number; micros: number };
