import os from "node:os";
import { isIP } from "node:net";
import { ConfigError } from "../core/errors/config-error.js";
import type { LogLevel } from "../log.js";
import type { TraceSettings } from "../observe/tracing/trace-settings.js";
import { loadSamlConfig, type SamlConfig } from "../federation/saml/saml-config.js";
import { loadThirdPartyConfig, readAbsoluteUrl, type ThirdPartyConfig } from "../federation/oauth/oauth-config.js";

/** Tessera's settings, read from the environment once at start. */
export interface Config {
  port: number;
  /** The management port (health, metrics); 0 picks a free one. */
  adminPort: number;
  /**
   * Address the management port binds; unset means the main port's (all interfaces).
   * `127.0.0.1` keeps probes and metrics off the network.
   */
  adminHost: string | undefined;
  /**
   * The operator's admin API key (ADMIN_API_KEY, at least 16 characters); unset means the admin
   * API refuses every call. Held only in memory, never stored or logged.
   */
  adminApiKey: string | undefined;
  /** PostgreSQL connection string; unset means embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  /** PGlite data directory, or `memory://` for an in-memory database. */
  dataDir: string;
  /** 32-byte master key (hex or base64); unset means generate one into `dataDir`. */
  secretKey: Buffer | undefined;
  origins: string[];
  rpId: string;
  rpName: string;
  smtpUrl: string | undefined;
  smtpFrom: string;
  smsWebhookUrl: string | undefined;
  pushWebhookUrl: string | undefined;
  verifyJwtSecret: string | undefined;
  authfiAccessPoint: string | undefined;
  authfiApiKey: string | undefined;
  hanko: HankoConfig;
  /** Third-party (OAuth 2.0 / OpenID Connect) login; no providers means off. */
  thirdParty: ThirdPartyConfig;
  /** SAML login; undefined means off (its routes answer 404). */
  saml: SamlConfig | undefined;
  /** Session lifetime in seconds. */
  sessionLifetime: number;
  corsOrigins: string[];
  /**
   * Proxies in front of the server that append the address they received from to
   * `X-Forwarded-For` (TRUST_PROXY: a count, or true for one); 0, the default, takes the
   * client's address from the socket and ignores the header, which any client can write.
   */
  trustedProxies: number;
  /**
   * The demo web app at /demo/ (DEMO_ENABLED): "asked" when set true, "default" when on because
   * the database is the embedded one and DEMO_ENABLED is unset, "off" otherwise.
   */
  demo: "asked" | "default" | "off";
  /**
   * Requests per minute one client address may make to each product's entry points that mail
   * or guess (CLIENT_RATE_LIMIT); undefined keeps each product's default (100).
   */
  clientRateLimit: number | undefined;
  logLevel: LogLevel;
  /** Seconds start-up retries an unreachable PostgreSQL before it gives up (exit 2). */
  databaseConnectTimeout: number;
  /** Seconds a shutdown waits for requests in flight before it cuts them. */
  shutdownGraceSeconds: number;
  /** Days audit events are kept before the retention worker deletes them (AUDIT_RETENTION_DAYS, 1–3650, default 90). */
  auditRetentionDays: number;
  /**
   * Worker processes serving the one port (TESSERA_WORKERS; default: the available parallelism).
   * Always 1 on PGlite, which lives in one process.
   */
  workers: number;
  /** TESSERA_WORKERS when it asked for more workers than `workers` allows (PGlite): said in the start log. */
  workersIgnored: number | undefined;
  /** OpenTelemetry trace export (OTLP over HTTP); undefined when OTEL_EXPORTER_OTLP_ENDPOINT is unset. */
  traces: TraceSettings | undefined;
}

/** The `HANKO_*` flags, published by `GET /.well-known/config`. */
export interface HankoConfig {
  passwordsEnabled: boolean;
  passwordMinLength: number;
  allowSignup: boolean;
  allowDeletion: boolean;
  requireEmailVerification: boolean;
  authTokenHeader: boolean;
}


type Env = Record<string, string | undefined>;

/** The most worker processes TESSERA_WORKERS may ask for: each holds a pool of 20 connections. */
const maxWorkers = 64;

/**
 * Reads and validates the configuration from `env`. Throws ConfigError naming the first
 * variable whose value is wrong and what it expects.
 */
export function loadConfig(env: Env = process.env): Config {
  const read = reader(env);
  const port = read.integer("PORT", 8080, 0, 65535);
  const adminPort = read.integer("ADMIN_PORT", 8081, 0, 65535);
  if (adminPort !== 0 && adminPort === port) throw new ConfigError(`ADMIN_PORT must differ from PORT (both are ${port})`);
  const origins = read.list("ORIGIN", [`http://localhost:${port || 8080}`]).map((origin) => read.origin("ORIGIN", origin));
  const firstOrigin = new URL(origins[0] ?? "http://localhost");
  const databaseUrl = read.optional("DATABASE_URL");
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must be a postgres:// or postgresql:// URL");
  }
  // A URL that cannot be parsed (a port over 65535, a stray space) is no outage to wait out.
  if (databaseUrl !== undefined && !URL.canParse(databaseUrl)) {
    throw new ConfigError("DATABASE_URL is not a valid URL (check the host, the port (1-65535) and that special characters in the password are percent-encoded)");
  }
  const secretKey = read.key("TESSERA_SECRET_KEY");
  if (databaseUrl !== undefined && secretKey === undefined) {
    throw new ConfigError("TESSERA_SECRET_KEY is required with DATABASE_URL: every replica must share it (32 bytes, hex or base64)");
  }
  const adminApiKey = read.optional("ADMIN_API_KEY");
  if (adminApiKey !== undefined && (adminApiKey.length < 16 || /\s/.test(adminApiKey))) {
    throw new ConfigError("ADMIN_API_KEY must be at least 16 characters without spaces (e.g. `openssl rand -hex 32`)");
  }
  const authfiAccessPoint = read.optional("AUTHFI_ACCESS_POINT");
  const authfiApiKey = read.optional("AUTHFI_API_KEY");
  if ((authfiAccessPoint === undefined) !== (authfiApiKey === undefined)) {
    throw new ConfigError("AUTHFI_ACCESS_POINT and AUTHFI_API_KEY go together: set both or neither");
  }
  if (authfiAccessPoint !== undefined && !/^[A-Za-z0-9_-]{1,128}$/.test(authfiAccessPoint)) {
    throw new ConfigError("AUTHFI_ACCESS_POINT must be 1 to 128 letters, digits, '-' or '_' (a path segment)");
  }
  // PGlite is one database in one process: a second process cannot open it.
  const workersAsked = read.integer("TESSERA_WORKERS", Math.min(os.availableParallelism(), maxWorkers), 1, maxWorkers);
  const workers = databaseUrl === undefined ? 1 : workersAsked;
  const workersIgnored = workersAsked > workers && read.optional("TESSERA_WORKERS") !== undefined ? workersAsked : undefined;
  const publicUrl = (readAbsoluteUrl(env, "HANKO_PUBLIC_URL") ?? origins[0] ?? "http://localhost:8080").replace(/\/+$/, "");
  const landingUrl = `${origins[0] ?? publicUrl}/`;
  return {
    port,
    adminPort,
    adminHost: readHost(read.optional("ADMIN_HOST")),
    adminApiKey,
    databaseUrl,
    dataDir: read.optional("DATA_DIR") ?? "./data",
    secretKey,
    origins,
    rpId: read.optional("RP_ID") ?? firstOrigin.hostname,
    rpName: read.optional("RP_NAME") ?? "Tessera",
    smtpUrl: read.url("SMTP_URL", ["smtp:", "smtps:"]),
    smtpFrom: read.optional("SMTP_FROM") ?? "Tessera <no-reply@localhost>",
    smsWebhookUrl: read.url("SMS_WEBHOOK_URL", ["http:", "https:"]),
    pushWebhookUrl: read.url("PUSH_WEBHOOK_URL", ["http:", "https:"]),
    verifyJwtSecret: read.optional("VERIFY_JWT_SECRET"),
    authfiAccessPoint,
    authfiApiKey,
    hanko: {
      passwordsEnabled: read.boolean("HANKO_PASSWORDS_ENABLED", false),
      passwordMinLength: read.integer("HANKO_PASSWORD_MIN_LENGTH", 8, 1, 72),
      allowSignup: read.boolean("HANKO_ALLOW_SIGNUP", true),
      allowDeletion: read.boolean("HANKO_ALLOW_DELETION", false),
      requireEmailVerification: read.boolean("HANKO_REQUIRE_EMAIL_VERIFICATION", true),
      authTokenHeader: read.boolean("HANKO_AUTH_TOKEN_HEADER", true),
    },
    thirdParty: loadThirdPartyConfig(env, publicUrl, landingUrl),
    saml: loadSamlConfig(env, publicUrl, landingUrl),
    sessionLifetime: read.integer("SESSION_LIFETIME", 3600, 60, 31536000),
    corsOrigins: read.list("CORS_ORIGINS", []).map((origin) => {
      // Answers carry credentials (cookies, Authorization): any origin would be every site acting with a visitor's session.
      if (origin === "*") throw new ConfigError("CORS_ORIGINS cannot be *: cross-origin calls carry cookies and Authorization, so list the origins of your web apps (https://app.example.com)");
      return read.origin("CORS_ORIGINS", origin);
    }),
    trustedProxies: readTrustedProxies(read),
    clientRateLimit: read.optional("CLIENT_RATE_LIMIT") === undefined ? undefined : read.integer("CLIENT_RATE_LIMIT", 100, 1, 1_000_000),
    logLevel: read.oneOf("LOG_LEVEL", ["debug", "info", "warn", "error"] as const, "info"),
    databaseConnectTimeout: read.integer("DATABASE_CONNECT_TIMEOUT", 30, 0, 3600),
    shutdownGraceSeconds: read.integer("SHUTDOWN_GRACE_SECONDS", 10, 0, 3600),
    auditRetentionDays: read.integer("AUDIT_RETENTION_DAYS", 90, 1, 3650),
    workers,
    workersIgnored,
    traces: readTraceSettings(read),
    demo: readDemo(read, databaseUrl),
  };
}

/** The OTEL_* variables Tessera honours: an OTLP/HTTP base URL, the service name and the encoding. */
function readTraceSettings(read: ReturnType<typeof reader>): TraceSettings | undefined {
  const endpoint = read.url("OTEL_EXPORTER_OTLP_ENDPOINT", ["http:", "https:"]);
  const protocol = read.oneOf("OTEL_EXPORTER_OTLP_PROTOCOL", ["http/protobuf", "http/json"] as const, "http/protobuf");
  if (endpoint === undefined) return undefined;
  return { endpoint, protocol, serviceName: read.optional("OTEL_SERVICE_NAME") ?? "tessera" };
}

/** TRUST_PROXY: false (the default) or 0, true (one proxy), or a number of proxies up to 10. */
function readTrustedProxies(read: ReturnType<typeof reader>): number {
  const value = read.optional("TRUST_PROXY")?.toLowerCase();
  if (value === undefined) return 0;
  if (["true", "yes", "on"].includes(value)) return 1;
  if (["false", "no", "off"].includes(value)) return 0;
  return read.integer("TRUST_PROXY", 0, 0, 10);
}

/** DEMO_ENABLED: on by default on the embedded database only, so a newcomer finds it after `npm start`. */
function readDemo(read: ReturnType<typeof reader>, databaseUrl: string | undefined): Config["demo"] {
  if (read.optional("DEMO_ENABLED") === undefined) return databaseUrl === undefined ? "default" : "off";
  return read.boolean("DEMO_ENABLED", false) ? "asked" : "off";
}

/** An IP address or a host name to bind (no scheme, port or path). */
function readHost(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bare = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
  if (isIP(bare) !== 0 || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(bare)) return bare;
  throw new ConfigError(`ADMIN_HOST must be an address to bind such as 127.0.0.1, ::1 or 0.0.0.0, got "${value}"`);
}

function reader(env: Env) {
  const optional = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  return {
    optional,
    integer(name: string, fallback: number, min: number, max: number): number {
      const value = optional(name);
      if (value === undefined) return fallback;
      const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
        throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
      }
      return parsed;
    },
    boolean(name: string, fallback: boolean): boolean {
      const value = optional(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (["true", "1", "yes", "on"].includes(value)) return true;
      if (["false", "0", "no", "off"].includes(value)) return false;
      throw new ConfigError(`${name} must be true or false, got "${value}"`);
    },
    list(name: string, fallback: string[]): string[] {
      const value = optional(name);
      if (value === undefined) return fallback;
      return value.split(",").map((item) => item.trim()).filter((item) => item !== "");
    },
    origin(name: string, value: string): string {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new ConfigError(`${name} must list origins such as https://login.example.com, got "${value}"`);
      }
      if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== value.replace(/\/$/, "")) {
        throw new ConfigError(`${name} must list origins (scheme://host[:port], no path), got "${value}"`);
      }
      return url.origin;
    },
    url(name: string, protocols: string[]): string | undefined {
      const value = optional(name);
      if (value === undefined) return undefined;
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (url === undefined || !protocols.includes(url.protocol)) {
        throw new ConfigError(`${name} must be a ${protocols.map((p) => p.replace(":", "://")).join(" or ")} URL`);
      }
      return value;
    },
    key(name: string): Buffer | undefined {
      const value = optional(name);
      if (value === undefined) return undefined;
      const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, "hex") : Buffer.from(value, "base64");
      if (bytes.length !== 32) throw new ConfigError(`${name} must be 32 bytes as 64 hex digits or base64`);
      return bytes;
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
      const value = optional(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(value)) {
        throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got "${value}"`);
      }
      return value as T;
    },
  };
}
