import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";

/** The wire protocols a browser can speak to Tessera. */
export type TesseraProtocol = "connect-json" | "connect-binary" | "grpc-web";

/** A value given once, or read at every call (a token or client id that arrives after sign-in). */
export type Provided = string | (() => string | undefined);

/** Options of {@link createTesseraTransport}. */
export interface TesseraTransportOptions {
  /** Tessera's origin (and path prefix, if any), e.g. `https://auth.example.com`. */
  baseUrl: string;
  /** Connect with JSON (the default), Connect with protobuf binary, or gRPC-Web. */
  protocol?: TesseraProtocol;
  /**
   * The Authenticator API client id (the `client_id` that sign-up and login return), sent as the
   * `x-client-id` header: a browser cannot set the `CLIENTID` cookie of another origin.
   */
  clientId?: Provided;
  /** An Authenticator API token, sent as `Authorization: Bearer …`. */
  bearerToken?: Provided;
  /** Interceptors run after the ones that set `x-client-id` and `Authorization`. */
  interceptors?: Interceptor[];
  /** A fetch to use instead of `globalThis.fetch`; it is still called with `credentials: "include"`. */
  fetch?: typeof globalThis.fetch;
  /** A deadline for every call, in milliseconds. */
  defaultTimeoutMs?: number;
}

/** The header that carries the Authenticator API client id. */
export const clientIdHeader = "x-client-id";

/**
 * A connect-web transport for Tessera: every request is sent with `credentials: "include"` (so
 * Hanko's session cookie travels cross-origin; the server must list the page's origin in
 * `CORS_ORIGINS`), with `x-client-id` and a bearer token when given.
 */
export function createTesseraTransport(options: TesseraTransportOptions): Transport {
  const fetch = withCredentials(options.fetch);
  const interceptors = [headers(options), ...(options.interceptors ?? [])];
  const common = { baseUrl: options.baseUrl, fetch, interceptors, defaultTimeoutMs: options.defaultTimeoutMs };
  switch (options.protocol ?? "connect-json") {
    case "connect-json":
      return createConnectTransport({ ...common, useBinaryFormat: false });
    case "connect-binary":
      return createConnectTransport({ ...common, useBinaryFormat: true });
    case "grpc-web":
      return createGrpcWebTransport({ ...common, useBinaryFormat: true });
  }
}

function withCredentials(custom: typeof globalThis.fetch | undefined): typeof globalThis.fetch {
  // Called through globalThis at each request: a fetch detached from its window throws
  // "Illegal invocation", and a test may replace globalThis.fetch after the transport is made.
  return (input, init) => {
    const request: RequestInit = { ...init, credentials: "include" };
    return custom === undefined ? globalThis.fetch(input, request) : custom(input, request);
  };
}

function headers(options: TesseraTransportOptions): Interceptor {
  return (next) => (request) => {
    const clientId = read(options.clientId);
    if (clientId !== undefined && clientId !== "") request.header.set(clientIdHeader, clientId);
    const token = read(options.bearerToken);
    if (token !== undefined && token !== "") request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}

function read(value: Provided | undefined): string | undefined {
  return typeof value === "function" ? value() : value;
}
