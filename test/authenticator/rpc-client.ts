import { AuthenticatorService } from "../../gen/es/tessera/authenticator/v1/authenticator_pb.js";
import { AuthenticatorServiceService } from "../../gen/grpc-js/tessera/authenticator/v1/authenticator.js";
import { callRpc, type RpcResult, type RpcTransport } from "../harness/rpc.js";
import type { TestServer } from "../harness/server.js";
import { auth, claimsOf, codeSent, freshEmail, sentCount, type Held, type Sinks } from "./authenticator-client.js";

/** Calls one AuthenticatorService method over a transport. */
export type AuthenticatorCall = (method: string, input: Record<string, unknown>, headers?: Record<string, string>) => Promise<RpcResult>;

/** The AuthenticatorService caller of `transport` against the server `server()` answers (started later, in `beforeAll`). */
export function authenticatorCall(transport: RpcTransport, server: () => TestServer): AuthenticatorCall {
  return (method, input, headers = {}) => callRpc(transport, server().url, AuthenticatorService, AuthenticatorServiceService, method, input, headers);
}

/** A WebAuthn JSON credential as the RPC message's init shape (`clientDataJSON` is the field `clientDataJson`). */
export function asMessage<T extends { response: { clientDataJSON: string } }>(credential: T): Record<string, unknown> {
  const { clientDataJSON, ...rest } = credential.response;
  return { ...credential, response: { ...rest, clientDataJson: clientDataJSON } };
}

/** The token of a successful RPC answering `{token, clientID}`. */
export function held(result: RpcResult): Held {
  if (!result.ok) throw new Error(`RPC failed: ${result.message}`);
  return { token: String(result.output.token), clientId: String(result.output.clientID) };
}

/** The output of a successful RPC. */
export function output(result: RpcResult): Record<string, unknown> {
  if (!result.ok) throw new Error(`RPC failed: ${result.message}`);
  return result.output;
}

/** A new email account signed up and verified over RPC: its authorized token and user id. */
export async function rpcAccount(call: AuthenticatorCall, sinks: Sinks, password = "rpc password 1"): Promise<{ email: string; password: string; held: Held; userId: string }> {
  const email = freshEmail();
  const pending = held(await call("SignUp", { email, password }));
  const authorized = held(await call("VerifySignUp", { code: await codeSent(sinks, email, 0) }, auth(pending)));
  return { email, password, held: authorized, userId: String(claimsOf(authorized.token).user_id) };
}

/** Logs in over RPC: the identified token and the code delivered for it. */
export async function rpcLogIn(call: AuthenticatorCall, sinks: Sinks, account: { email: string; password: string }): Promise<Held & { code: string }> {
  const index = sentCount(sinks, account.email);
  const identified = held(await call("LogIn", { email: account.email, password: account.password }));
  return { ...identified, code: await codeSent(sinks, account.email, index) };
}
