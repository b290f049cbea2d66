import { rpcTransports, type RpcResult } from "../harness/rpc.js";

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
