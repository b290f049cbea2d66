/** Messages between bench/run.ts and the server children it forks, over the IPC channel. */

/** The REST path of SessionService/GetJwks, served by Tessera and the jwks baseline. */
export const jwksPath = "/.well-known/jwks.json";

/** The REST path of IdentityService/GetCurrentUser (Hanko's `GET /me`), served by Tessera and the /me baseline. */
export const mePath = "/me";

/** The gRPC and Connect paths of SessionService/GetJwks and IdentityService/GetCurrentUser. */
export const getJwksRpcPath = "/tessera.session.v1.SessionService/GetJwks";
export const getCurrentUserRpcPath = "/tessera.identity.v1.IdentityService/GetCurrentUser";

/** WebAuthn login (Hanko's REST paths), served by Tessera; the login baseline is a script, not a server. */
export const loginInitializePath = "/webauthn/login/initialize";
export const loginFinalizePath = "/webauthn/login/finalize";
export const registrationInitializePath = "/webauthn/registration/initialize";
export const registrationFinalizePath = "/webauthn/registration/finalize";

/** The origin Tessera and the login baseline run with; the RP id is its host name. */
export const benchOrigin = "https://login.example.com";
export const benchRpId = "login.example.com";

/** The ADMIN_API_KEY Tessera's child runs with, for the IntrospectToken row (a throwaway, like the master key). */
export const benchAdminKey = "bench-admin-key-0123456789abcdef";

/** What a child is to serve; each child accepts only its own kind. */
export type StartPayload =
  /** Tessera (bench/server.ts): PGlite in memory, or PostgreSQL at `databaseUrl` (an empty database). */
  | {
      kind: "tessera";
      databaseUrl: string | undefined;
      /** The master key (hex) on PostgreSQL: the TESSERA_WORKERS section starts the entry point on the same database with it. */
      secretKey: string;
      /** Users to create for the WebAuthn login section, each with a session to register credentials with. */
      loginUsers: number;
      /** The request log and request metrics (default on); off only for the row that measures their cost. */
      observe?: boolean;
    }
  /** The jwks baseline (bench/baseline.ts): serves `body` (base64) with `contentType`. */
  | { kind: "jwks-baseline"; body: string; contentType: string }
  /** The /me baseline (bench/me-baseline.ts): verifies Bearer JWTs against the public RSA key `jwk`. */
  | { kind: "me-baseline"; jwk: PublicRsaJwk }
  /**
   * The WebAuthn login baseline (bench/login-baseline.ts): a script, no server. It stores
   * `credentials` credentials of its own (one per worker) in its own PGlite database, or in
   * PostgreSQL at `databaseUrl` (already migrated by Tessera), and runs its loop on `run`.
   */
  | { kind: "login-baseline"; databaseUrl: string | undefined; credentials: number }
  /** The Authentiq baseline (bench/authentiq-baseline.ts): verifies self-signed update JWTs. */
  | { kind: "authentiq-baseline" }
  /** The gRPC floor (bench/grpc-floor.ts): answers every stream with `frame` (base64, a gRPC envelope) and grpc-status 0. */
  | { kind: "grpc-floor"; frame: string }
  /** The bare connect-node server (bench/connect-baseline.ts): GetJwks answering the keys in `frame` (base64, a gRPC envelope). */
  | { kind: "connect-baseline"; frame: string };

/** What a child that runs its own load loop (the login baseline) reports for one run. */
export interface ScriptResult {
  requests: number;
  errors: number;
  firstError: string | undefined;
  seconds: number;
  /** Per iteration, ms, ascending. */
  latenciesMs: number[];
  /** The child's CPU time (user + system) over the measured window, microseconds. */
  cpuMicros: number;
}

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
  | { type: "cpu"; id: number }
  /** A script child (the login baseline): run the loop with this many workers, answer `ran`. */
  | { type: "run"; id: number; concurrency: number; warmupMs: number; durationMs: number }
  /** Tessera only: write audit events (as shipped) or drop them, to price the audit write; answered `audited`. */
  | { type: "audit"; id: number; on: boolean };

/** Child → parent. */
export type ChildMessage =
  /** Serving on `port`; Tessera adds its management port, its database engine and a session to call /me with. */
  | { type: "listening"; port: number; adminPort?: number; engine?: "pglite" | "postgres"; session?: BenchSession; loginSessions?: BenchSession[] }
  | { type: "failed"; message: string }
  /** CPU time (user + system) in microseconds since the child started. */
  | { type: "cpu"; id: number; micros: number }
  /** The audit switch is set. */
  | { type: "audited"; id: number }
  /** The result of a `run`, or why it could not run. */
  | { type: "ran"; id: number; result: ScriptResult }
  | { type: "ran"; id: number; error: string };
