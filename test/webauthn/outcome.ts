import { Code } from "@connectrpc/connect";
import { AuthenticatorService } from "../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { WebAuthnService } from "../../gen/es/tessera/webauthn/v1/webauthn_pb.js";
import { AuthenticatorServiceService } from "../../gen/grpc-js/tessera/authenticator/v1/authenticator.js";
import { WebAuthnServiceService } from "../../gen/grpc-js/tessera/webauthn/v1/webauthn.js";
import { callRpc, rpcTransports, type RpcResult } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";

/** The transports each WebAuthn abuse case runs over: REST and every RPC transport. */
export const transports = ["rest", ...rpcTransports] as const;

/** One of `transports`. */
export type Transport = (typeof transports)[number];

/** What a finish answered: whether it passed, and the answer a client sees (status and body, or code and reason). */
export type Outcome = { ok: boolean; answer: unknown };

/** The outcome of a REST call. */
export const restOutcome = (response: { status: number; json: unknown }): Outcome => ({ ok: response.status < 300, answer: { status: response.status, json: response.json } });

/** The outcome of an RPC. */
export const rpcOutcome = (result: RpcResult): Outcome => ({ ok: result.ok, answer: result.ok ? result.output : { code: result.code, reason: result.reason, message: result.message } });

/** The output of an RPC that must succeed (a case's setup). */
export const rpcOutput = (result: RpcResult): Record<string, unknown> => {
  if (!result.ok) throw new Error(`RPC failed: ${result.reason} ${result.message}`);
  return result.output;
};

/** AuthFi's refusals of a WebAuthn ceremony: the gRPC code and the REST status and AuthFi code of each reason. */
const authfiAnswers = {
  AUTHFI_CLIENT_DATA_INVALID: [Code.InvalidArgument, 400, 4000],
  AUTHFI_AUTHENTICATOR_DATA_INVALID: [Code.InvalidArgument, 400, 4100],
  AUTHFI_CEREMONY_TIMEOUT: [Code.FailedPrecondition, 410, 5000],
  AUTHFI_KEY_NOT_FOUND: [Code.NotFound, 404, 1002],
  AUTHFI_KEY_EXISTS: [Code.AlreadyExists, 409, 1002],
  AUTHFI_ASSERTION_REFUSED: [Code.Unauthenticated, 401, 3900],
} as const;

/** What a client of AuthFi sees for a refusal over `transport`. */
export function authfiRefused(reason: keyof typeof authfiAnswers, transport: Transport): unknown {
  const [code, status, authfiCode] = authfiAnswers[reason];
  return transport === "rest" ? { status, json: { code: authfiCode } } : { code, reason };
}

/** Calls a WebAuthnService method (Hanko's and AuthFi's ceremonies) over an RPC transport. */
export const webauthnRpc = (server: TestServer, transport: Exclude<Transport, "rest">, method: string, input: Record<string, unknown>, headers: Record<string, string> = {}) =>
  callRpc(transport, server.url, WebAuthnService, WebAuthnServiceService, method, input, headers);

/** Calls an AuthenticatorService method (the Authenticator API's devices) over an RPC transport. */
export const authenticatorRpc = (server: TestServer, transport: Exclude<Transport, "rest">, method: string, input: Record<string, unknown>, headers: Record<string, string> = {}) =>
  callRpc(transport, server.url, AuthenticatorService, AuthenticatorServiceService, method, input, headers);
