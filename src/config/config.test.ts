import os from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors/config-error.js";
import { loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("needs nothing for the embedded default", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      adminPort: 8081,
      databaseUrl: undefined,
      dataDir: "./data",
      secretKey: undefined,
      origins: ["http://localhost:8080"],
      rpId: "localhost",
      logLevel: "info",
      hanko: { passwordsEnabled: false, passwordMinLength: 8, allowSignup: true, allowDeletion: false, requireEmailVerification: true, authTokenHeader: true },
    });
  });

  it("reads every setting", () => {
    const config = loadConfig({
      PORT: "9000",
      ADMIN_PORT: "9001",
      ADMIN_HOST: "127.0.0.1",
      DATABASE_URL: "postgres://u:p@db:5432/tessera",
      TESSERA_SECRET_KEY: "ab".repeat(32),
      ORIGIN: "https://login.example.com, https://app.example.com",
      RP_NAME: "Example",
      SMTP_URL: "smtp://mail:25",
      SMS_WEBHOOK_URL: "https://sms.example.com/send",
      CORS_ORIGINS: "https://app.example.com",
      HANKO_ALLOW_SIGNUP: "false",
      LOG_LEVEL: "warn",
      AUTHFI_ACCESS_POINT: "abcdefgh0123456789",
      AUTHFI_API_KEY: "key",
    });
    expect(config).toMatchObject({
      port: 9000,
      adminPort: 9001,
      adminHost: "127.0.0.1",
      origins: ["https://login.example.com", "https://app.example.com"],
      rpId: "login.example.com",
      rpName: "Example",
      corsOrigins: ["https://app.example.com"],
      logLevel: "warn",
      hanko: { allowSignup: false },
      authfiAccessPoint: "abcdefgh0123456789",
      authfiApiKey: "key",
    });
    expect(config.secretKey?.length).toBe(32);
  });

  it("exports traces only when OTEL_EXPORTER_OTLP_ENDPOINT is set", () => {
    expect(loadConfig({}).traces).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).traces).toEqual({ endpoint: "http://collector:4318", protocol: "http/protobuf", serviceName: "tessera" });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://collector/otlp/", OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_SERVICE_NAME: "login" }).traces).toEqual({
      endpoint: "https://collector/otlp/",
      protocol: "http/json",
      serviceName: "login",
    });
  });

  it.each([
    ["::1", "::1"],
    ["[::1]", "::1"],
    ["0.0.0.0", "0.0.0.0"],
    ["admin.internal", "admin.internal"],
  ])("reads ADMIN_HOST %s as %s, and leaves it unset by default", (value, host) => {
    expect(loadConfig({ ADMIN_HOST: value }).adminHost).toBe(host);
    expect(loadConfig({}).adminHost).toBeUndefined();
  });

  it.each([
    [undefined, 0],
    ["false", 0],
    ["true", 1],
    ["2", 2],
  ])("reads TRUST_PROXY %s as %i trusted proxies", (value, proxies) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustedProxies).toBe(proxies);
  });

  it.each([
    ["PORT", { PORT: "eighty" }],
    ["PORT", { PORT: "70000" }],
    ["ADMIN_PORT", { ADMIN_PORT: "-1" }],
    ["ADMIN_PORT", { ADMIN_PORT: "70000" }],
    ["ADMIN_PORT", { PORT: "9000", ADMIN_PORT: "9000" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://x", TESSERA_SECRET_KEY: "ab".repeat(32) }],
    ["TESSERA_SECRET_KEY", { TESSERA_SECRET_KEY: "short" }],
    ["TESSERA_SECRET_KEY", { DATABASE_URL: "postgres://db/tessera" }],
    ["ORIGIN", { ORIGIN: "login.example.com" }],
    ["ORIGIN", { ORIGIN: "https://login.example.com/path" }],
    ["SMTP_URL", { SMTP_URL: "http://mail" }],
    ["SMS_WEBHOOK_URL", { SMS_WEBHOOK_URL: "not a url" }],
    ["HANKO_ALLOW_SIGNUP", { HANKO_ALLOW_SIGNUP: "maybe" }],
    ["SESSION_LIFETIME", { SESSION_LIFETIME: "5" }],
    ["LOG_LEVEL", { LOG_LEVEL: "verbose" }],
    ["AUTHFI_ACCESS_POINT", { AUTHFI_ACCESS_POINT: "ap" }],
    ["AUTHFI_ACCESS_POINT", { AUTHFI_API_KEY: "key" }],
    ["AUTHFI_ACCESS_POINT", { AUTHFI_ACCESS_POINT: "a/b", AUTHFI_API_KEY: "key" }],
    ["ADMIN_HOST", { ADMIN_HOST: "http://127.0.0.1" }],
    ["ADMIN_HOST", { ADMIN_HOST: "127.0.0.1:8081" }],
    ["CORS_ORIGINS", { CORS_ORIGINS: "*" }],
    ["CORS_ORIGINS", { CORS_ORIGINS: "https://app.example.com,*" }],
    ["TRUST_PROXY", { TRUST_PROXY: "maybe" }],
    ["TRUST_PROXY", { TRUST_PROXY: "11" }],
    ["CLIENT_RATE_LIMIT", { CLIENT_RATE_LIMIT: "0" }],
    ["CLIENT_RATE_LIMIT", { CLIENT_RATE_LIMIT: "many" }],
    ["TESSERA_WORKERS", { TESSERA_WORKERS: "0" }],
    ["TESSERA_WORKERS", { TESSERA_WORKERS: "two" }],
    ["TESSERA_WORKERS", { TESSERA_WORKERS: "65" }],
    ["OTEL_EXPORTER_OTLP_ENDPOINT", { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }],
    ["OTEL_EXPORTER_OTLP_ENDPOINT", { OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://collector:4317" }],
    ["OTEL_EXPORTER_OTLP_PROTOCOL", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }],
  ])("refuses a bad %s with a message naming it", (name, env) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${name} `));
  });

  it("keeps each product's per-address limit unless CLIENT_RATE_LIMIT is set", () => {
    expect(loadConfig({}).clientRateLimit).toBeUndefined();
    expect(loadConfig({ CLIENT_RATE_LIMIT: "250" }).clientRateLimit).toBe(250);
  });

  describe("TESSERA_WORKERS", () => {
    const postgres = { DATABASE_URL: "postgres://db/tessera", TESSERA_SECRET_KEY: "ab".repeat(32) };

    it("defaults to the available parallelism on PostgreSQL", () => {
      expect(loadConfig(postgres)).toMatchObject({ workers: Math.min(os.availableParallelism(), 64), workersIgnored: undefined });
    });

    it("takes the number asked for on PostgreSQL", () => {
      expect(loadConfig({ ...postgres, TESSERA_WORKERS: "3" })).toMatchObject({ workers: 3, workersIgnored: undefined });
    });

    it("is 1 on PGlite, and reports a larger number asked for as ignored", () => {
      expect(loadConfig({})).toMatchObject({ workers: 1, workersIgnored: undefined });
      expect(loadConfig({ TESSERA_WORKERS: "1" })).toMatchObject({ workers: 1, workersIgnored: undefined });
      expect(loadConfig({ TESSERA_WORKERS: "4" })).toMatchObject({ workers: 1, workersIgnored: 4 });
    });
  });
});
