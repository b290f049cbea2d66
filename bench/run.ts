// `npm run bench`: throughput and latency of five paths, each beside its own baseline:
//   GET /.well-known/jwks.json  SessionService/GetJwks over REST, Connect and gRPC; the baseline
//                               (bench/baseline.ts) returns the same bytes.
//   GET /me (Bearer)            IdentityService/GetCurrentUser over REST with a session JWT, the
//                               path a busy Hanko deployment runs most: verify the RS256 JWT with
//                               the published key, check the `sessions` row. The baseline
//                               (bench/me-baseline.ts) verifies the JWT with jose and answers the
//                               same JSON, without a database.
//   POST /webauthn/login/finalize  WebAuthn login (Hanko's REST API), discoverable: each
//                               iteration is POST /webauthn/login/initialize ({}), an ES256
//                               assertion signed here (test/harness/software-authenticator.ts, one
//                               registered credential per request in flight, so that sign
//                               counters never race), then POST /webauthn/login/finalize,
//                               checked for 200 and the user's `user_id`. The row reports the
//                               finalize request's latency and pairs per second. Tessera runs
//                               with ORIGIN https://login.example.com; the credentials are
//                               registered through the real registration API before the run.
//                               The baseline (bench/login-baseline.ts) is a script, no HTTP:
//                               @simplewebauthn/server options + verify and the same database
//                               reads and writes (same kind of database), one iteration per
//                               pair, its own loop with the same concurrency and durations.
//   POST /key/{PK}              Authentiq's key update with a JWT self-signed by the key (one
//                               key registered through POST /key per request in flight): verify
//                               EdDSA against `sub`, look the key up, update its devtoken. The
//                               baseline (bench/authentiq-baseline.ts) verifies the same JWT with
//                               jose, without a database.
//   request log + metrics       GET /.well-known/jwks.json over REST on two more Tessera children
//                               (PGlite), one with the request log at info and the metrics on, as
//                               shipped, one with both off (startApp's `observe: false`, for this
//                               row only), in alternating rounds, loaded by wrk in its own process
//                               when installed (bench/observe-cost.ts); the run prints each round,
//                               the medians and the ratios, which issue 15 bounds at 0.90.
//
//   gRPC SessionService/GetJwks  unary gRPC against its floor, a raw node:http2 `stream` handler
//                               answering the same frame and grpc-status 0 trailers
//                               (bench/grpc-floor.ts), and a bare connect-node server
//                               (bench/connect-baseline.ts); load from h2load (-c 2 -m 32, an
//                               empty 5-byte frame) when installed, else grpc-js. The GET
//                               /.well-known/jwks.json and GET /me sections add Connect JSON and
//                               binary over HTTP/1.1 and HTTP/2 (and gRPC over grpc-js) for the
//                               same RPCs (GetCurrentUser with the Bearer session). The GET /me
//                               section also has AdminService/IntrospectToken of the same session
//                               over gRPC on the management port (what an internal service calls).
// After the table the run prints the RPC targets, PASS or FAIL: Tessera gRPC ≥ 0.5 × the
// floor's req/s and ≤ 2 × its server µs per call; every Connect row ≤ 1.5 × the server µs per
// call of its section's REST row loaded the same way (the h2load rows: REST under h2load --h1).
//
//   GET /me with TESSERA_WORKERS  on PostgreSQL only (BENCH_DATABASE_URL): the real entry point
//                               (dist/src/main.js) on the same database, with 1 and with 2
//                               workers, loaded by wrk when installed (bench/workers.ts); prints
//                               the ratio and PASS/FAIL against the target (1.6x on 2 cores).
//
// Tessera and each baseline run in a child process (bench/server.ts, bench/baseline.ts,
// bench/me-baseline.ts); the load generator runs here. All traffic goes to 127.0.0.1.
// Settings (environment):
//   BENCH_SECONDS          measured seconds per target (default 5)
//   BENCH_WARMUP_SECONDS   unmeasured seconds before each (default 1)
//   BENCH_CONCURRENCY      requests in flight (default 32)
//   BENCH_OBSERVE_ROUNDS   rounds per side of the request log + metrics section (default 5, of
//                          BENCH_SECONDS each)
//   BENCH_AUDIT_ROUNDS     pairs of WebAuthn login rows with the audit trail on and off, ordered
//                          on off, off on, … (default 2); the run prints the audit write's price
//                          (server µs per login, on over off) against issue 17's 15 %
//   BENCH_ONLY             run only the sections whose label contains this (e.g. "request log")
//   BENCH_DATABASE_URL     run Tessera on this PostgreSQL database (postgres://…; it must be
//                          empty and throwaway: the run migrates it and leaves its rows) instead
//                          of in-memory PGlite. PGlite runs on Tessera's main thread at about
//                          3k queries/s, which bounds the GET /me figure (one query a request);
//                          PostgreSQL (DATABASE_URL) is the deployment setting. The login
//                          baseline then uses the same database (its own user and rows).
//   BENCH_CPU_PROF         a directory: every server child runs with --cpu-prof and writes
//                          NAME.cpuprofile there when it exits (open it in Chrome DevTools)
// Exits 1 when any request failed (or a server died and targets were skipped), 2 on a bad
// setting. Children are killed on every exit path; a watchdog bounds the whole run.
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, Http2SessionManager } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { GetCurrentUserRequestSchema, IdentityService } from "../gen/es/tessera/identity/v1/identity_pb.js";
import { GetJwksRequestSchema, SessionService } from "../gen/es/tessera/session/v1/session_pb.js";
import { GetCurrentUserRequest, IdentityServiceClient } from "../gen/grpc-js/tessera/identity/v1/identity.js";
import { AdminServiceClient, IntrospectTokenRequest } from "../gen/grpc-js/tessera/admin/v1/admin.js";
import { GetJwksRequest, SessionServiceClient } from "../gen/grpc-js/tessera/session/v1/session.js";
import { authentiqUpdateLoad, registerAuthentiqKeys, updateKey, type AuthentiqKey } from "./authentiq.js";
import { emptyEnvelope, grpcFrameOnce } from "./grpc-frame.js";
import { h2loadInstalled, runH2load } from "./h2load.js";
import { Http1Client, http1Pool } from "./http1.js";
import { percentile, runLoad, type Call, type LoadResult } from "./load.js";
import { measureObserveCost, observeCostLines } from "./observe-cost.js";
import { benchWorkers } from "./workers.js";
import {
  benchAdminKey,
  benchOrigin,
  benchRpId,
  getCurrentUserRpcPath,
  getJwksRpcPath,
  jwksPath,
  loginFinalizePath,
  loginInitializePath,
  mePath,
  registrationFinalizePath,
  registrationInitializePath,
  type BenchSession,
  type ChildMessage,
  type ParentMessage,
  type PublicRsaJwk,
  type ScriptResult,
  type StartPayload,
} from "./protocol.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../test/harness/software-authenticator.js";

/** Bound on any single request; a hung request fails instead of stalling the run. */
const requestTimeoutMs = 10_000;
/** Bound on a child starting (Tessera migrates its database and generates keys). */
const startTimeoutMs = 60_000;
/** Credentials Tessera lets one user hold (src/webauthn/webauthn.service.ts). */
const credentialsPerUser = 20;

interface Settings {
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  /** Rounds per side of the request log + metrics section. */
  observeRounds: number;
  /** Pairs of login rows, audit on and off (ordered on off, off on, …). */
  auditRounds: number;
  databaseUrl: string | undefined;
}

/** The request log + metrics section's name, for BENCH_ONLY. */
const observeLabel = "request log + metrics";

class SettingError extends Error {}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const number = (name: string, fallback: number, min: number, max: number, integer: boolean): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new SettingError(`${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  const databaseUrl = env["BENCH_DATABASE_URL"]?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new SettingError("BENCH_DATABASE_URL must be a postgres:// or postgresql:// URL");
  }
  return {
    seconds: number("BENCH_SECONDS", 5, 0.1, 300, false),
    warmupSeconds: number("BENCH_WARMUP_SECONDS", 1, 0, 60, false),
    concurrency: number("BENCH_CONCURRENCY", 32, 1, 1024, true),
    observeRounds: number("BENCH_OBSERVE_ROUNDS", 5, 1, 50, true),
    auditRounds: number("BENCH_AUDIT_ROUNDS", 2, 1, 20, true),
    databaseUrl,
  };
}

/** A server child: Tessera or a baseline. */
class Child {
  private nextId = 0;
  private readonly pending = new Map<number, (micros: number) => void>();
  private readonly audits = new Map<number, () => void>();
  private readonly runs = new Map<number, { resolve(result: ScriptResult): void; reject(error: Error): void }>();
  private hasExited = false;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly port: number,
    /** Tessera only: its management port (AdminService). */
    readonly adminPort: number | undefined,
    /** Tessera only: its database engine and a session for GET /me. */
    readonly engine: "pglite" | "postgres" | undefined,
    readonly session: BenchSession | undefined,
    readonly loginSessions: BenchSession[],
  ) {
    const exited = () => {
      this.hasExited = true;
      for (const run of this.runs.values()) run.reject(new Error(`${name} exited during the run`));
      this.runs.clear();
    };
    if (child.exitCode !== null || child.signalCode !== null) this.hasExited = true;
    else child.once("exit", exited);
    child.on("message", (message: ChildMessage) => {
      if (message.type === "cpu") {
        this.pending.get(message.id)?.(message.micros);
        this.pending.delete(message.id);
      } else if (message.type === "audited") {
        this.audits.get(message.id)?.();
        this.audits.delete(message.id);
      } else if (message.type === "ran") {
        const run = this.runs.get(message.id);
        this.runs.delete(message.id);
        if ("error" in message) run?.reject(new Error(`${name}: ${message.error}`));
        else run?.resolve(message.result);
      }
    });
  }

  /** Forks `file` (next to this one), sends `start`, and waits for the port. */
  static start(name: string, file: string, payload: StartPayload, track: (process: ChildProcess) => void): Promise<Child> {
    const path = fileURLToPath(new URL(file, import.meta.url));
    const profiles = process.env["BENCH_CPU_PROF"];
    const execArgv = profiles === undefined || profiles === "" ? [] : ["--cpu-prof", `--cpu-prof-dir=${profiles}`, `--cpu-prof-name=${name}.cpuprofile`];
    const child = fork(path, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv });
    track(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`${name} did not start within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
      const onMessage = (message: ChildMessage) => {
        if (message.type === "listening") {
          cleanup();
          resolve(new Child(name, child, message.port, message.adminPort, message.engine, message.session, message.loginSessions ?? []));
        } else if (message.type === "failed") {
          fail(new Error(`${name} failed to start: ${message.message}`));
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(new Error(`${name} exited before listening (code ${code}, signal ${signal})`));
      const onError = (error: Error) => fail(error);
      const cleanup = () => {
        clearTimeout(timer);
        child.off("message", onMessage);
        child.off("exit", onExit);
        child.off("error", onError);
      };
      const fail = (error: Error) => {
        cleanup();
        reject(error);
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
      child.once("error", onError);
      child.send({ type: "start", payload } satisfies ParentMessage);
    });
  }

  /** CPU time (user + system) the child has used, in microseconds; NaN if it does not answer within 2 s. */
  cpuMicros(): Promise<number> {
    if (this.hasExited || !this.child.connected) return Promise.resolve(NaN);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(NaN);
      }, 2_000);
      this.pending.set(id, (micros) => {
        clearTimeout(timer);
        resolve(micros);
      });
      this.child.send({ type: "cpu", id } satisfies ParentMessage);
    });
  }

  /** Tessera only: writes audit events (on, as shipped) or drops them (off); resolves once the child has switched. */
  setAudit(on: boolean): Promise<void> {
    if (this.hasExited || !this.child.connected) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.audits.delete(id);
        reject(new Error(`${this.name} did not switch its audit trail within 2 s`));
      }, 2_000);
      this.audits.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.send({ type: "audit", id, on } satisfies ParentMessage);
    });
  }

  /** A script child (the login baseline): runs its own loop and reports it. */
  run(options: { concurrency: number; warmupMs: number; durationMs: number }): Promise<ScriptResult> {
    if (this.hasExited || !this.child.connected) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    const limitMs = options.warmupMs + options.durationMs + requestTimeoutMs + 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.runs.delete(id);
        reject(new Error(`${this.name} did not report its run within ${limitMs / 1000} s`));
      }, limitMs);
      this.runs.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ type: "run", id, ...options } satisfies ParentMessage);
    });
  }

  get alive(): boolean {
    return !this.hasExited;
  }
}

/** Every forked child, started or not, so that any exit path can kill them. */
const processes = new Set<ChildProcess>();

/** SIGTERM, then SIGKILL after 5 s; resolves when all have exited. */
async function stopChildren(): Promise<void> {
  await Promise.all(
    [...processes].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  processes.clear();
}

function killChildrenNow(): void {
  for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** One GET with node:http (not measured): the reference responses and start-up checks. */
async function fetchOnce(port: number, path: string, headers: Record<string, string> = {}): Promise<{ body: Buffer; contentType: string }> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    return await new Promise((resolve, reject) => {
      const request = http.get({ host: "127.0.0.1", port, path, headers, agent, timeout: requestTimeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const contentType = response.headers["content-type"];
          const body = Buffer.concat(chunks);
          if (response.statusCode !== 200) reject(new Error(`GET ${path} on port ${port}: HTTP ${response.statusCode} ${body.toString("utf8").slice(0, 200)}`));
          else if (contentType === undefined) reject(new Error(`GET ${path} on port ${port}: no content-type`));
          else resolve({ body, contentType });
        });
      });
      request.on("timeout", () => request.destroy(new Error(`GET ${path} on port ${port}: no response within ${requestTimeoutMs} ms`)));
      request.on("error", reject);
    });
  } finally {
    agent.destroy();
  }
}

/** The published RS256 key `kid` from the JWKS Tessera served. */
function publishedKey(jwks: Buffer, kid: string): PublicRsaJwk {
  const { keys } = JSON.parse(jwks.toString("utf8")) as { keys: Array<Record<string, unknown>> };
  const key = keys.find((candidate) => candidate["kid"] === kid);
  if (key === undefined) throw new Error(`the session's key ${kid} is not in ${jwksPath}`);
  const { kty, alg, n, e } = key;
  if (kty !== "RSA" || alg !== "RS256" || typeof n !== "string" || typeof e !== "string") throw new Error(`key ${kid} in ${jwksPath} is not an RS256 RSA key`);
  return { kty, kid, alg, n, e };
}

/** Checks a GET /me answer once, before the load, for a clear message if it is wrong. */
async function checkMe(server: Child, headers: Record<string, string>, expected: Buffer): Promise<void> {
  const { body } = await fetchOnce(server.port, mePath, headers);
  if (!body.equals(expected)) throw new Error(`GET ${mePath} from ${server.name}: expected ${expected.toString("utf8")}, got ${body.toString("utf8").slice(0, 200)}`);
}

/** A way to call one path, against one of the servers; or a script child's own loop; or h2load. */
type Target = LoadTarget | ScriptTarget | H2loadTarget;

/** What a row stands for in the targets the run checks (see checkTargets). */
/** How a row is judged: a Connect row against the REST row of its section and load generator. */
type Role = "rest" | "connect" | "rest-h2load" | "connect-h2load" | "grpc-floor" | "grpc" | "audit-on" | "audit-off";

interface LoadTarget {
  name: string;
  server: Child;
  role?: Role;
  /** Run before the row is loaded (the audit switch of the login rows). */
  prepare?(): Promise<void>;
  /** Builds the client; `close` releases its connections. */
  open(): { call: Call; close(): void };
}

/** A child that runs the loop itself (Child.run); no client CPU here. */
interface ScriptTarget {
  name: string;
  server: Child;
  role?: Role;
  script: true;
}

/** h2load (bench/h2load.ts) posting an empty gRPC envelope to `path`; its CPU is not this process's. */
interface H2loadTarget {
  name: string;
  server: Child;
  role?: Role;
  h2load: { path: string; clients: number; streams: number; body: Buffer; contentType: string | undefined; http1?: boolean; get?: boolean };
}

interface Row {
  target: Target;
  result: LoadResult;
  clientCpu: number;
  serverCpu: number;
}

/** Targets measured and printed together; ratios are to the first, the section's baseline. */
interface Section {
  /** For progress lines. */
  label: string;
  title: string;
  targets: Target[];
}

/**
 * Connect unary GetJwks under h2load (an empty message: `{}` or no bytes), which costs this
 * machine's cores far less than connect-node's client: HTTP/1.1 with one connection per
 * request in flight, HTTP/2 with one connection; and REST GET under the same h2load --h1, the
 * row these are compared with.
 */
function connectH2loadTargets(tessera: Child, concurrency: number): Target[] {
  const rest: Target = {
    name: "REST GET (HTTP/1.1, h2load --h1)",
    server: tessera,
    role: "rest-h2load",
    h2load: { path: jwksPath, clients: concurrency, streams: 1, body: Buffer.alloc(0), contentType: undefined, http1: true, get: true },
  };
  return [rest, ...(["1.1", "2"] as const).flatMap((version) =>
    [false, true].map(
      (binary): Target => ({
        name: `Connect ${binary ? "binary" : "JSON"} (HTTP/${version}, h2load)`,
        server: tessera,
        role: "connect-h2load",
        h2load: {
          path: getJwksRpcPath,
          clients: version === "2" ? 1 : concurrency,
          streams: version === "2" ? concurrency : 1,
          body: binary ? Buffer.alloc(0) : Buffer.from("{}"),
          contentType: binary ? "application/proto" : "application/json",
          http1: version === "1.1",
        },
      }),
    ),
  )];
}

function jwksTargets(tessera: Child, baseline: Child, reference: Buffer, keyCount: number, concurrency: number, h2load: boolean): Target[] {
  const checkKeys = (count: number) => {
    if (count !== keyCount) throw new Error(`expected ${keyCount} keys, got ${count}`);
  };
  const rpcRequest = create(GetJwksRequestSchema);
  const checkJwks: ConnectCheck = async (transport) => checkKeys((await createClient(SessionService, transport).getJwks(rpcRequest, { timeoutMs: requestTimeoutMs })).keys.length);
  // A minimal client (bench/http1.ts): node:http's client costs about as much CPU per request
  // as the baseline server, so with it the baseline would measure the load generator.
  const http1 = (server: Child): LoadTarget["open"] => () => http1Pool(server.port, jwksPath, reference, requestTimeoutMs);
  return [
    { name: "baseline node:http (HTTP/1.1)", server: baseline, open: http1(baseline) },
    { name: "REST GET (HTTP/1.1)", server: tessera, role: "rest", open: http1(tessera) },
    connectTarget(tessera, "1.1", false, concurrency, checkJwks),
    connectTarget(tessera, "2", false, concurrency, checkJwks),
    connectTarget(tessera, "1.1", true, concurrency, checkJwks),
    connectTarget(tessera, "2", true, concurrency, checkJwks),
    grpcJwksTarget("gRPC (grpc-js, HTTP/2)", tessera, checkKeys),
    ...(h2load ? connectH2loadTargets(tessera, concurrency) : []),
  ];
}

/** One more call per settled call: a Connect client over `transport` checking its answer. */
type ConnectCheck = (transport: ReturnType<typeof createConnectTransport>) => Promise<void>;

/** A Connect row over HTTP/1.1 (one keep-alive connection per request in flight) or HTTP/2 (one connection). */
function connectTarget(server: Child, httpVersion: "1.1" | "2", binary: boolean, concurrency: number, check: ConnectCheck, headers: Record<string, string> = {}): LoadTarget {
  return {
    name: `Connect ${binary ? "binary" : "JSON"} (HTTP/${httpVersion === "2" ? "2" : "1.1"})`,
    server,
    role: "connect",
    open() {
      const baseUrl = `http://127.0.0.1:${server.port}`;
      // No response compression: the REST and baseline responses are not compressed either.
      const common = { baseUrl, useBinaryFormat: binary, acceptCompression: [], interceptors: [headerInterceptor(headers)] };
      if (httpVersion === "1.1") {
        const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
        const transport = createConnectTransport({ ...common, httpVersion, nodeOptions: { agent } });
        return { call: () => check(transport), close: () => agent.destroy() };
      }
      const sessionManager = new Http2SessionManager(baseUrl);
      const transport = createConnectTransport({ ...common, httpVersion, sessionManager });
      return { call: () => check(transport), close: () => sessionManager.abort() };
    },
  };
}

/** Sets `headers` on every request (the Bearer session of GetCurrentUser). */
function headerInterceptor(headers: Record<string, string>): Interceptor {
  return (next) => (request) => {
    for (const [name, value] of Object.entries(headers)) request.header.set(name, value);
    return next(request);
  };
}

/** GetJwks over grpc-js (one channel); its CPU is this process's. */
function grpcJwksTarget(name: string, server: Child, checkKeys: (count: number) => void, role?: Role): LoadTarget {
  return {
    name,
    server,
    ...(role === undefined ? {} : { role }),
    open() {
      const client = new SessionServiceClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
      const request = GetJwksRequest.create();
      return {
        call: () =>
          new Promise<void>((resolve, reject) => {
            client.getJwks(request, new grpc.Metadata(), { deadline: Date.now() + requestTimeoutMs }, (error, response) => {
              if (error) return reject(error);
              try {
                checkKeys(response.keys.length);
                resolve();
              } catch (mismatch) {
                reject(mismatch);
              }
            });
          }),
        close: () => client.close(),
      };
    },
  };
}

/**
 * Unary gRPC GetJwks against the raw node:http2 floor, a bare connect-node server and Tessera:
 * h2load (-c 2 -m 32, an empty envelope) when installed, else grpc-js.
 */
function grpcTargets(floor: Child, bare: Child, tessera: Child, keyCount: number, h2load: boolean): Target[] {
  const checkKeys = (count: number) => {
    if (count !== keyCount) throw new Error(`expected ${keyCount} keys, got ${count}`);
  };
  const generator = h2load ? "h2load -c 2 -m 32" : "grpc-js";
  const servers: Array<[string, Child, Role | undefined]> = [
    ["floor: raw node:http2 stream handler", floor, "grpc-floor"],
    ["bare connect-node (connectNodeAdapter)", bare, undefined],
    ["Tessera gRPC", tessera, "grpc"],
  ];
  return servers.map(([label, server, role]): Target => {
    const name = `${label} (${generator})`;
    if (!h2load) return grpcJwksTarget(name, server, checkKeys, role);
    return { name, server, ...(role === undefined ? {} : { role }), h2load: { path: getJwksRpcPath, clients: 2, streams: 32, body: emptyEnvelope, contentType: "application/grpc" } };
  });
}

async function measure(target: Target, settings: Settings): Promise<Row> {
  if ("h2load" in target) {
    const { path, clients, streams, body, contentType, http1, get } = target.h2load;
    const headers: Record<string, string> =
      contentType === undefined ? {} : { "content-type": contentType, ...(contentType.startsWith("application/grpc") ? { te: "trailers" } : {}) };
    const options = { url: `http://127.0.0.1:${target.server.port}${path}`, body, headers, clients, streams, http1: http1 === true, get: get === true };
    // The warm-up is not measured: on a saturated machine h2load may not finish its summary
    // within it, and a real failure shows in the measured run.
    if (settings.warmupSeconds > 0) await runH2load({ ...options, seconds: Math.max(1, Math.round(settings.warmupSeconds)) }).catch(() => undefined);
    const before = await target.server.cpuMicros();
    const result = await runH2load({ ...options, seconds: Math.max(1, Math.round(settings.seconds)) });
    const after = await target.server.cpuMicros();
    return { target, result, clientCpu: NaN, serverCpu: (after - before) / (result.seconds * 1e6) };
  }
  if (!("open" in target)) {
    const { latenciesMs, cpuMicros, ...counts } = await target.server.run({ concurrency: settings.concurrency, warmupMs: settings.warmupSeconds * 1000, durationMs: settings.seconds * 1000 });
    const result: LoadResult = { ...counts, latenciesMs: Float64Array.from(latenciesMs).sort() };
    return { target, result, clientCpu: NaN, serverCpu: cpuMicros / (settings.seconds * 1e6) };
  }
  await target.prepare?.();
  const client = target.open();
  try {
    let clientStart = process.cpuUsage();
    let clientCpu = NaN;
    let serverStart: Promise<number> = Promise.resolve(NaN);
    let serverEnd: Promise<number> = Promise.resolve(NaN);
    const result = await runLoad(client.call, {
      concurrency: settings.concurrency,
      warmupMs: settings.warmupSeconds * 1000,
      durationMs: settings.seconds * 1000,
      onWindow(edge) {
        if (edge === "begin") {
          clientStart = process.cpuUsage();
          serverStart = target.server.cpuMicros();
        } else {
          const used = process.cpuUsage(clientStart);
          clientCpu = (used.user + used.system) / (settings.seconds * 1e6);
          serverEnd = target.server.cpuMicros();
        }
      },
    });
    const serverCpu = ((await serverEnd) - (await serverStart)) / (settings.seconds * 1e6);
    return { target, result, clientCpu, serverCpu };
  } finally {
    client.close();
  }
}

/**
 * GET /me with the session's Bearer token against Tessera and against the baseline; every
 * answer must be 200 with exactly `{"id":"<user id>"}`.
 */
function meTargets(tessera: Child, baseline: Child, session: BenchSession, concurrency: number): Target[] {
  const headers = { Authorization: `Bearer ${session.token}` };
  const expected = meBody(session);
  const http1 = (server: Child): LoadTarget["open"] => () => http1Pool(server.port, mePath, expected, requestTimeoutMs, headers);
  const checkUser = (id: string) => {
    if (id !== session.userId) throw new Error(`GetCurrentUser: id ${id}, expected ${session.userId}`);
  };
  const checkConnect: ConnectCheck = async (transport) => checkUser((await createClient(IdentityService, transport).getCurrentUser(create(GetCurrentUserRequestSchema), { timeoutMs: requestTimeoutMs })).id);
  const bearer = { authorization: `Bearer ${session.token}` };
  return [
    { name: "baseline node:http + jose (HTTP/1.1)", server: baseline, open: http1(baseline) },
    { name: "REST GET /me (HTTP/1.1)", server: tessera, role: "rest", open: http1(tessera) },
    {
      name: "gRPC GetCurrentUser (grpc-js, HTTP/2)",
      server: tessera,
      open() {
        const client = new IdentityServiceClient(`127.0.0.1:${tessera.port}`, grpc.credentials.createInsecure());
        const request = GetCurrentUserRequest.create();
        const metadata = new grpc.Metadata();
        metadata.set("authorization", bearer.authorization);
        return {
          call: () =>
            new Promise<void>((resolve, reject) => {
              client.getCurrentUser(request, metadata, { deadline: Date.now() + requestTimeoutMs }, (error, response) => {
                if (error) return reject(error);
                try {
                  checkUser(response.id);
                  resolve();
                } catch (mismatch) {
                  reject(mismatch);
                }
              });
            }),
          close: () => client.close(),
        };
      },
    },
    ...(["1.1", "2"] as const).flatMap((version) => [false, true].map((binary) => connectTarget(tessera, version, binary, concurrency, checkConnect, bearer))),
    introspectTarget(tessera, session),
  ];
}

/**
 * AdminService/IntrospectToken over gRPC on the management port, of the same session GET /me
 * uses: what an internal service calls to check a token. Each answer must be active and the
 * session's user: verify the RS256 JWT, read the sessions row and the user's lock.
 */
function introspectTarget(tessera: Child, session: BenchSession): Target {
  return {
    name: "gRPC admin IntrospectToken (grpc-js, HTTP/2, management port)",
    server: tessera,
    open() {
      if (tessera.adminPort === undefined) throw new Error("tessera did not report its management port");
      const client = new AdminServiceClient(`127.0.0.1:${tessera.adminPort}`, grpc.credentials.createInsecure());
      const request = IntrospectTokenRequest.create({ token: session.token });
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${benchAdminKey}`);
      return {
        call: () =>
          new Promise<void>((resolve, reject) => {
            client.introspectToken(request, metadata, { deadline: Date.now() + requestTimeoutMs }, (error, response) => {
              if (error) return reject(error);
              if (!response.active || response.subject !== session.userId) return reject(new Error(`IntrospectToken: ${JSON.stringify(response)}, expected the session's user ${session.userId} active`));
              resolve();
            });
          }),
        close: () => client.close(),
      };
    },
  };
}

/** A credential registered with Tessera, and the user it belongs to. */
interface LoginCredential {
  credential: SoftwareCredential;
  userId: string;
}

const authenticator = new SoftwareAuthenticator(benchOrigin, benchRpId);

function parseJson(body: Buffer, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Below.
  }
  throw new Error(`${what}: not a JSON object: ${body.toString("utf8").slice(0, 200)}`);
}

/**
 * Registers `count` credentials through Tessera's registration API (initialize with the
 * user's Bearer token, a software authenticator's attestation, finalize), at most
 * `credentialsPerUser` per user, round the users in order.
 */
async function registerCredentials(tessera: Child, count: number): Promise<LoginCredential[]> {
  const client = new Http1Client(tessera.port, requestTimeoutMs);
  try {
    const registered: LoginCredential[] = [];
    for (let i = 0; i < count; i++) {
      const session = tessera.loginSessions[Math.floor(i / credentialsPerUser)];
      if (session === undefined) throw new Error(`tessera reported ${tessera.loginSessions.length} login user(s), too few for ${count} credentials`);
      const bearer = { Authorization: `Bearer ${session.token}` };
      const init = await client.postJson(registrationInitializePath, {}, bearer);
      if (init.status !== 200) throw new Error(`POST ${registrationInitializePath}: HTTP ${init.status} ${init.body.toString("utf8").slice(0, 200)}`);
      const options = parseJson(init.body, registrationInitializePath)["publicKey"] as { challenge: string; user: { id: string } };
      const { credential, response } = authenticator.create(options);
      const final = await client.postJson(registrationFinalizePath, response, bearer);
      if (final.status !== 200) throw new Error(`POST ${registrationFinalizePath}: HTTP ${final.status} ${final.body.toString("utf8").slice(0, 200)}`);
      registered.push({ credential, userId: session.userId });
    }
    return registered;
  } finally {
    client.close();
  }
}

/**
 * One login pair with `client` and `login`'s credential: initialize (discoverable, `{}`), sign,
 * finalize; checks 200 and the owner's `user_id`. Returns the finalize request's latency, ms.
 */
async function loginPair(client: Http1Client, login: LoginCredential): Promise<number> {
  const init = await client.postJson(loginInitializePath, {});
  if (init.status !== 200) throw new Error(`POST ${loginInitializePath}: HTTP ${init.status} ${init.body.toString("utf8").slice(0, 200)}`);
  const challenge = (parseJson(init.body, loginInitializePath)["publicKey"] as { challenge?: unknown } | undefined)?.challenge;
  if (typeof challenge !== "string") throw new Error(`POST ${loginInitializePath}: no publicKey.challenge`);
  const assertion = authenticator.get(login.credential, challenge, { withUserHandle: true });
  const t0 = process.hrtime.bigint();
  const final = await client.postJson(loginFinalizePath, assertion);
  const t1 = process.hrtime.bigint();
  if (final.status !== 200) throw new Error(`POST ${loginFinalizePath}: HTTP ${final.status} ${final.body.toString("utf8").slice(0, 200)}`);
  const userId = parseJson(final.body, loginFinalizePath)["user_id"];
  if (userId !== login.userId) throw new Error(`POST ${loginFinalizePath}: user_id ${String(userId)}, expected ${login.userId}`);
  return Number(t1 - t0) / 1e6;
}

/**
 * The login section: the baseline script, then Tessera over REST with one credential and one
 * connection per request in flight (a worker takes an idle pair; there are as many as workers),
 * with the audit trail as shipped and with its events dropped, in rows ordered on, off, off, on
 * (and again, BENCH_AUDIT_ROUNDS pairs in all), so that a drift of the machine's load over the
 * run weighs on both alike, and the audit write's price (issue 17: at most 15 %) is read in one
 * run on one database.
 */
function loginTargets(tessera: Child, baseline: Child, logins: LoginCredential[], auditRounds: number): Target[] {
  const rest = (audit: boolean, round: number): Target => ({
    name: round === 0 ? "REST init+finalize, warm-up, not compared (finalize ms; pairs/s)" : `REST init+finalize, audit ${audit ? "on" : "off"} #${round} (finalize ms; pairs/s)`,
    server: tessera,
    ...(round === 0 ? {} : { role: audit ? "audit-on" : "audit-off" }),
    prepare: () => tessera.setAudit(audit),
    open() {
      const slots = logins.map((login) => ({ login, client: new Http1Client(tessera.port, requestTimeoutMs) }));
      const idle = [...slots];
      return {
        async call() {
          const slot = idle.pop();
          if (slot === undefined) throw new Error("no idle credential (more requests in flight than credentials)");
          try {
            return await loginPair(slot.client, slot.login);
          } finally {
            idle.push(slot);
          }
        },
        close() {
          for (const slot of slots) slot.client.close();
          // The trail as shipped for every later section.
          void tessera.setAudit(true).catch(() => undefined);
        },
      };
    },
  });
  const rows = Array.from({ length: auditRounds }, (_, index) => (index % 2 === 0 ? [rest(true, index + 1), rest(false, index + 1)] : [rest(false, index + 1), rest(true, index + 1)])).flat();
  // A first row warms the JIT, the pool and PostgreSQL's caches: the first compared row would pay for it.
  return [{ name: "baseline script (per iteration)", server: baseline, script: true }, rest(true, 0), ...rows];
}

/** One login pair before the load, for a clear message if it fails. */
async function checkLogin(tessera: Child, logins: LoginCredential[]): Promise<void> {
  const login = logins[0];
  if (login === undefined) throw new Error("no WebAuthn credential registered");
  const client = new Http1Client(tessera.port, requestTimeoutMs);
  try {
    await loginPair(client, login);
  } catch (error) {
    throw new Error(`WebAuthn login check before the run: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    client.close();
  }
}

/** One update against each server before the load, for a clear message if it fails. */
async function checkAuthentiq(tessera: Child, baseline: Child, keys: AuthentiqKey[]): Promise<void> {
  const key = keys[0];
  if (key === undefined) throw new Error("no Authentiq key registered");
  for (const server of [tessera, baseline]) {
    const client = new Http1Client(server.port, requestTimeoutMs);
    try {
      await updateKey(client, key);
    } catch (error) {
      throw new Error(`Authentiq update check before the run (${server.name}): ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      client.close();
    }
  }
}

function meBody(session: BenchSession): Buffer {
  return Buffer.from(JSON.stringify({ id: session.userId }), "utf8");
}

interface SectionRows {
  title: string;
  rows: Row[];
  /** The section's baseline requests/s; 0 when it did not run. */
  baselineRate: number;
}

/** Server CPU µs per request of a row, NaN when unknown. */
function microsPerRequest(row: Row): number {
  return (row.serverCpu * 1e6) / (row.result.requests / row.result.seconds);
}

/**
 * The targets of the RPC paths, each PASS or FAIL with its figures: Tessera's gRPC at least half
 * the floor's req/s and at most twice its server µs per call; every Connect row at most 1.5 ×
 * the server CPU per call of the REST row of its own section (the same RPC).
 */
function checkTargets(sections: SectionRows[]): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
  for (const { title, rows } of sections) {
    const section = title.split(" (")[0];
    const floor = rows.find((row) => row.target.role === "grpc-floor");
    const grpcRow = rows.find((row) => row.target.role === "grpc");
    if (floor !== undefined && grpcRow !== undefined) {
      const rate = grpcRow.result.requests / grpcRow.result.seconds / (floor.result.requests / floor.result.seconds);
      const cost = microsPerRequest(grpcRow) / microsPerRequest(floor);
      lines.push(`target ${section}: Tessera gRPC req/s ≥ 0.5 × floor: ${rate.toFixed(2)}x ${verdict(rate >= 0.5)}`);
      lines.push(`target ${section}: Tessera gRPC server µs/call ≤ 2 × floor: ${cost.toFixed(2)}x ${verdict(cost <= 2)}`);
    }
    // The audit write's price: server µs per login pair with the trail as shipped over the same with its events dropped.
    const audited = rows.filter((row) => row.target.role === "audit-on");
    const unaudited = rows.filter((row) => row.target.role === "audit-off");
    if (audited.length > 0 && unaudited.length > 0) {
      // The median of the rounds' ratios (each round's on and off rows ran side by side): one round disturbed by the machine does not decide it.
      const median = (values: number[]) => {
        const sorted = [...values].sort((a, b) => a - b);
        const middle = Math.floor(sorted.length / 2);
        return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
      };
      const pairs = audited.slice(0, unaudited.length).map((row, index) => [row, unaudited[index]!] as const);
      const cost = median(pairs.map(([on, off]) => microsPerRequest(on) / microsPerRequest(off))) - 1;
      const rate = median(pairs.map(([on, off]) => on.result.requests / on.result.seconds / (off.result.requests / off.result.seconds)));
      lines.push(
        `target ${section}: the audit write adds ≤ 15 % server µs per login (median of ${pairs.length} rounds): ${(cost * 100).toFixed(1)} % ${verdict(cost <= 0.15)} (req/s with it: ${(rate * 100).toFixed(0)} % of without, median)`,
      );
    }
    // Like for like: each Connect row against the REST row loaded the same way.
    for (const [restRole, connectRole] of [["rest", "connect"], ["rest-h2load", "connect-h2load"]] as const) {
      const rest = rows.find((row) => row.target.role === restRole);
      if (rest === undefined) continue;
      for (const row of rows.filter((candidate) => candidate.target.role === connectRole)) {
        const cost = microsPerRequest(row) / microsPerRequest(rest);
        lines.push(`target ${section}: ${row.target.name} server µs/call ≤ 1.5 × ${rest.target.name}: ${cost.toFixed(2)}x ${verdict(cost <= 1.5)}`);
      }
    }
  }
  return lines;
}

/** One table, a title line above each section; ratios are to the section's baseline. */
function printTable(sections: SectionRows[]): void {
  const header = ["target", "requests", "req/s", "p50 ms", "p99 ms", "errors", "vs baseline", "client CPU", "server CPU", "server µs/req", "µs vs baseline"];
  const percent = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : "n/a");
  const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "n/a");
  const line = (row: Row, baselineRate: number, baselineMicros: number) => {
    const { target, result, clientCpu, serverCpu } = row;
    const rate = result.requests / result.seconds;
    const serverMicrosPerRequest = microsPerRequest(row);
    return [
      target.name,
      String(result.requests),
      rate.toFixed(0),
      ms(percentile(result.latenciesMs, 50)),
      ms(percentile(result.latenciesMs, 99)),
      String(result.errors),
      baselineRate > 0 ? `${(rate / baselineRate).toFixed(2)}x` : "n/a",
      percent(clientCpu),
      percent(serverCpu),
      Number.isFinite(serverMicrosPerRequest) ? serverMicrosPerRequest.toFixed(0) : "n/a",
      Number.isFinite(serverMicrosPerRequest / baselineMicros) && baselineRate > 0 ? `${(serverMicrosPerRequest / baselineMicros).toFixed(2)}x` : "n/a",
    ];
  };
  const blocks = sections.map(({ title, rows, baselineRate }) => {
    const baselineMicros = rows[0] === undefined ? NaN : microsPerRequest(rows[0]);
    return { title, lines: rows.map((row) => line(row, baselineRate, baselineMicros)) };
  });
  const all = blocks.flatMap((block) => block.lines);
  const widths = header.map((title, column) => Math.max(title.length, ...all.map((cells) => cells[column]?.length ?? 0)));
  const format = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ");
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  blocks.forEach((block, index) => {
    if (index > 0) console.log("");
    console.log(block.title);
    for (const cells of block.lines) console.log(format(cells));
  });
}

let watchdog: NodeJS.Timeout | undefined;

/** Safety net: whatever hangs, the run ends (children killed) `ms` from now at the latest. */
function armWatchdog(ms: number): void {
  clearTimeout(watchdog);
  watchdog = setTimeout(() => {
    process.stderr.write(`bench: gave up: still running ${Math.round(ms / 1000)} s after the last stage began\n`);
    killChildrenNow();
    process.exit(1);
  }, ms);
  watchdog.unref();
}

async function main(): Promise<number> {
  let settings: Settings;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    if (error instanceof SettingError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  armWatchdog(5 * startTimeoutMs + 30_000);
  const track = (child: ChildProcess) => processes.add(child);

  const loginUsers = Math.ceil(settings.concurrency / credentialsPerUser);
  // Shared with the TESSERA_WORKERS section, which starts the entry point on the same database.
  const secretKey = randomBytes(32).toString("hex");
  const tessera = await Child.start("tessera", "./server.js", { kind: "tessera", databaseUrl: settings.databaseUrl, secretKey, loginUsers }, track);
  const session = tessera.session;
  if (session === undefined) throw new Error("tessera did not report a session for GET /me");
  const reference = await fetchOnce(tessera.port, jwksPath);
  const keyCount = (JSON.parse(reference.body.toString("utf8")) as { keys: unknown[] }).keys.length;
  const jwk = publishedKey(reference.body, session.kid);
  const baseline = await Child.start("baseline", "./baseline.js", { kind: "jwks-baseline", body: reference.body.toString("base64"), contentType: reference.contentType }, track);
  const meBaseline = await Child.start("me-baseline", "./me-baseline.js", { kind: "me-baseline", jwk }, track);
  const bearer = { Authorization: `Bearer ${session.token}` };
  await checkMe(tessera, bearer, meBody(session));
  await checkMe(meBaseline, bearer, meBody(session));
  // After Tessera: on PostgreSQL the baseline uses the database Tessera migrated.
  const loginBaseline = await Child.start("login-baseline", "./login-baseline.js", { kind: "login-baseline", databaseUrl: settings.databaseUrl, credentials: settings.concurrency }, track);
  const logins = await registerCredentials(tessera, settings.concurrency);
  await checkLogin(tessera, logins);
  const authentiqBaseline = await Child.start("authentiq-baseline", "./authentiq-baseline.js", { kind: "authentiq-baseline" }, track);
  // Two more, alike but for the request log and metrics, both on PGlite (the JWKS is cached: no query).
  const unobserved = await Child.start("tessera-unobserved", "./server.js", { kind: "tessera", databaseUrl: undefined, secretKey, loginUsers: 0, observe: false }, track);
  const observed = await Child.start("tessera-observed", "./server.js", { kind: "tessera", databaseUrl: undefined, secretKey, loginUsers: 0, observe: true }, track);
  // Each has keys of its own: each answer is checked against that server's own JWKS.
  const unobservedJwks = (await fetchOnce(unobserved.port, jwksPath)).body;
  const observedJwks = (await fetchOnce(observed.port, jwksPath)).body;
  // The GetJwks answer as Tessera sends it over gRPC: the floor answers these bytes, the bare connect-node server these keys.
  const jwksFrame = (await grpcFrameOnce(tessera.port, getJwksRpcPath, {}, requestTimeoutMs)).toString("base64");
  const grpcFloor = await Child.start("grpc-floor", "./grpc-floor.js", { kind: "grpc-floor", frame: jwksFrame }, track);
  const connectBaseline = await Child.start("connect-baseline", "./connect-baseline.js", { kind: "connect-baseline", frame: jwksFrame }, track);
  await grpcFrameOnce(connectBaseline.port, getJwksRpcPath, {}, requestTimeoutMs);
  await grpcFrameOnce(tessera.port, getCurrentUserRpcPath, bearer, requestTimeoutMs);
  const h2load = h2loadInstalled();
  const authentiqKeys = await registerAuthentiqKeys(tessera.port, settings.concurrency, requestTimeoutMs);
  await checkAuthentiq(tessera, authentiqBaseline, authentiqKeys);

  const onPglite = tessera.engine !== "postgres";
  console.log(`GET ${jwksPath}: ${reference.body.length} bytes, ${reference.contentType}, ${keyCount} key(s)`);
  console.log(`GET ${mePath}: Authorization: Bearer <RS256 session JWT, ${session.token.length} bytes, kid ${session.kid}>, answer ${meBody(session).toString("utf8")}`);
  console.log(
    `POST ${loginFinalizePath}: discoverable WebAuthn login (ES256, ${benchOrigin}), ${logins.length} credential(s) registered ` +
      `through the registration API for ${loginUsers} user(s), one per request in flight`,
  );
  console.log(
    onPglite
      ? "Tessera's database: embedded PGlite in memory. It runs on Tessera's main thread at about 3k queries/s and GET /me " +
          "checks the sessions row with one query, so Tessera's GET /me figure here is bounded by PGlite; deployments " +
          "use PostgreSQL (DATABASE_URL): set BENCH_DATABASE_URL to an empty, throwaway PostgreSQL database to measure that."
      : "Tessera's database: PostgreSQL (BENCH_DATABASE_URL; pool of 20 connections), as deployed with DATABASE_URL.",
  );
  console.log(
    `node ${process.version}, ${os.availableParallelism()} CPU(s); ${settings.concurrency} requests in flight, ` +
      `${settings.warmupSeconds} s warm-up + ${settings.seconds} s measured per target; servers in child processes, load generator in this one`,
  );
  console.log(
    "clients: HTTP/1.1 rows a minimal keep-alive client (bench/http1.ts), one connection per request in flight; " +
      "Connect rows @connectrpc/connect-node (HTTP/2: one connection); gRPC @grpc/grpc-js (one channel), or h2load where the row says so",
  );
  // Other work on the machine skews every number; say how busy it was.
  console.log(`load average before the run: ${os.loadavg().map((load) => load.toFixed(2)).join(" ")}`);
  console.log("");

  const sections: Section[] = [
    { label: `GET ${jwksPath}`, title: `GET ${jwksPath} (vs baseline: a node:http server returning the same bytes)`, targets: jwksTargets(tessera, baseline, reference.body, keyCount, settings.concurrency, h2load) },
    {
      label: "gRPC GetJwks",
      title:
        `gRPC SessionService/GetJwks (vs baseline: a raw node:http2 stream handler answering the same frame + grpc-status 0 trailers)\n` +
        (h2load
          ? "  load: h2load -c 2 -m 32, a 5-byte empty gRPC frame, content-type application/grpc, te: trailers (its CPU is not measured)"
          : "  load: grpc-js, one channel (h2load not installed: the client CPU column is grpc-js's)"),
      targets: grpcTargets(grpcFloor, connectBaseline, tessera, keyCount, h2load),
    },
    {
      label: `GET ${mePath}`,
      title: `GET ${mePath} (Bearer) (vs baseline: node:http + jose.jwtVerify, no database)${onPglite ? "; Tessera on PGlite, see above" : "; Tessera on PostgreSQL"}`,
      targets: meTargets(tessera, meBaseline, session, settings.concurrency),
    },
    {
      label: `POST ${loginFinalizePath}`,
      title:
        `POST ${loginFinalizePath} (vs baseline: @simplewebauthn/server + the same database writes in a plain script)${onPglite ? "; both on PGlite in memory" : "; both on PostgreSQL"}\n` +
        `  Tessera rows (audit on and off, alternating): iteration = POST ${loginInitializePath} {} + ES256 sign here + POST ${loginFinalizePath}; req/s = pairs/s, p50/p99 = finalize request only, server CPU = both.\n` +
        "  baseline row: no HTTP; iteration = generateAuthenticationOptions + insert challenge + ES256 sign + select credential + consume challenge\n" +
        "  + verifyAuthenticationResponse + update sign_count/last_used_at + insert session + RS256 JWT (jose); p50/p99 = whole iteration.",
      targets: loginTargets(tessera, loginBaseline, logins, settings.auditRounds),
    },
    {
      label: "POST /key/{PK}",
      title:
        `POST /key/{PK} (Authentiq key update, self-signed EdDSA JWT) (vs baseline: node:http + jose Ed25519 verify, no database)${onPglite ? "; Tessera on PGlite" : "; Tessera on PostgreSQL"}\n` +
        "  Tessera: verify the JWT against the key in sub + update the live key's devtoken (one statement); one key per request in flight.",
      targets: [authentiqBaseline, tessera].map((server) => ({
        name: server === tessera ? "REST POST /key/{PK} (HTTP/1.1)" : "baseline node:http + jose (HTTP/1.1)",
        server,
        open: () => authentiqUpdateLoad(server.port, authentiqKeys, requestTimeoutMs),
      })),
    },
  ];
  // BENCH_ONLY: only the sections whose label contains it (e.g. "request log"), to repeat one figure.
  const only = process.env["BENCH_ONLY"];
  if (only !== undefined) sections.splice(0, sections.length, ...sections.filter((section) => section.label.includes(only)));
  const observeCost = only === undefined || observeLabel.includes(only);
  const targetCount = sections.reduce((sum, section) => sum + section.targets.length, 0);
  // Each round bounded like a target; the observe section has 2 warm-ups and 2 × rounds of them.
  const observeTargets = observeCost ? 2 * settings.observeRounds + 2 : 0;
  armWatchdog((targetCount + observeTargets) * ((settings.warmupSeconds + settings.seconds) * 1000 + requestTimeoutMs + 10_000) + 30_000);
  const results: SectionRows[] = [];
  const rows: Row[] = [];
  let skipped = 0;
  for (const section of sections) {
    const sectionRows: Row[] = [];
    for (const target of section.targets) {
      if (!target.server.alive) {
        process.stderr.write(`bench: ${target.name}: skipped, the ${target.server.name} server has exited\n`);
        skipped++;
        continue;
      }
      process.stderr.write(`bench: ${section.label}: ${target.name}…\n`);
      sectionRows.push(await measure(target, settings));
    }
    // Ratios only against the section's own baseline: none if that one was skipped.
    const baselineRow = sectionRows.find((row) => row.target === section.targets[0]);
    results.push({ title: section.title, rows: sectionRows, baselineRate: baselineRow === undefined ? 0 : baselineRow.result.requests / baselineRow.result.seconds });
    rows.push(...sectionRows);
  }

  printTable(results);
  console.log("");
  let observeErrors = 0;
  if (observeCost) {
    process.stderr.write(`bench: ${observeLabel}: ${settings.observeRounds} alternating rounds of ${settings.seconds} s per side…\n`);
    const cost = await measureObserveCost(
      {
        off: unobserved,
        on: observed,
        path: jwksPath,
        offBody: unobservedJwks,
        onBody: observedJwks,
        rounds: settings.observeRounds,
        roundSeconds: settings.seconds,
        warmupSeconds: settings.warmupSeconds,
        concurrency: settings.concurrency,
        requestTimeoutMs,
      },
      (line) => process.stderr.write(`bench: ${observeLabel}: ${line}\n`),
    );
    for (const line of observeCostLines(cost, { rounds: settings.observeRounds, roundSeconds: settings.seconds, path: jwksPath })) console.log(line);
    console.log(`  load average after the rounds: ${os.loadavg().map((load) => load.toFixed(2)).join(" ")}`);
    console.log("");
    for (const round of cost.rounds.filter((candidate) => candidate.errors > 0 || candidate.requests === 0)) {
      process.stderr.write(`bench: ${observeLabel}: a round ${round.side}: ${round.errors} error(s), ${round.requests} request(s)${round.firstError === undefined ? "" : `, first: ${round.firstError}`}\n`);
      observeErrors++;
    }
  }
  const verdicts = checkTargets(results);
  for (const line of verdicts) console.log(line);
  if (verdicts.length > 0) console.log("");
  console.log("client CPU: this process over the measured window; server CPU: the serving child (100% = one core).");
  console.log(`The ${loginFinalizePath} baseline runs its loop in its own process: its server CPU is that process, its client CPU n/a.`);
  console.log("A row whose client CPU is near 100% is limited by the load generator; server µs/req (server CPU time per");
  console.log("request) compares the server's cost per request regardless.");
  if (onPglite) console.log(`Tessera's GET ${mePath} on PGlite is bounded by PGlite (~3k queries/s on its main thread); PostgreSQL is the deployment setting.`);

  let workerErrors = 0;
  if (settings.databaseUrl === undefined) {
    console.log("");
    console.log(`GET ${mePath} with TESSERA_WORKERS=1 and 2: skipped (several workers need PostgreSQL: set BENCH_DATABASE_URL)`);
  } else {
    armWatchdog(2 * (startTimeoutMs + 2 * ((settings.warmupSeconds + settings.seconds) * 1000 + 30_000)));
    const workerRows = await benchWorkers({
      databaseUrl: settings.databaseUrl,
      secretKey,
      token: session.token,
      expectedBody: meBody(session),
      seconds: settings.seconds,
      warmupSeconds: settings.warmupSeconds,
      concurrency: settings.concurrency,
      requestTimeoutMs,
      track: (child) => processes.add(child),
    });
    for (const row of workerRows.filter((candidate) => candidate.errors > 0 || candidate.requests === 0)) {
      process.stderr.write(`bench: GET ${mePath} with ${row.workers} worker(s): ${row.errors} error(s), ${row.requests} request(s)${row.firstError === undefined ? "" : `, first: ${row.firstError}`}\n`);
      workerErrors++;
    }
  }

  const failed = rows.filter((row) => row.result.errors > 0);
  for (const row of failed) process.stderr.write(`bench: ${row.target.name}: ${row.result.errors} error(s), first: ${row.result.firstError}\n`);
  const empty = rows.filter((row) => row.result.requests === 0 && row.result.errors === 0);
  for (const row of empty) process.stderr.write(`bench: ${row.target.name}: no request completed in the measured window\n`);
  return failed.length > 0 || empty.length > 0 || skipped > 0 || workerErrors > 0 || observeErrors > 0 ? 1 : 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    void stopChildren().finally(() => process.exit(130));
  });
}
process.once("exit", killChildrenNow);

let code: number;
try {
  code = await main();
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  code = 1;
}
await stopChildren();
process.exit(code);
