import { Code, ConnectError } from "@connectrpc/connect";
import { errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { ErrorInfoSchema } from "../../../gen/es/google/rpc/error_details_pb.js";
import { errorInfo } from "../error-info.js";

/** The longest HTTP method named in the answer: the token is the caller's. */
const namedMethodLength = 20;

/**
 * A call of an RPC path with an HTTP method its protocols do not take (PUT, or GET on a method
 * that is not `NO_SIDE_EFFECTS`): 405 with `Allow`, as connect-node answers it, but with a body
 * in the Connect error shape instead of none, `{"code":"unimplemented","message":…}` with the
 * ErrorInfo `METHOD_NOT_ALLOWED`, so that a browser or curl user reads what went wrong. The
 * Connect protocol names no code for a wrong method; UNIMPLEMENTED is gRPC's code for an
 * operation the server does not support, and the code a Connect client reads from a 404 route.
 * The body is not read: the listener drops it behind the answer.
 */
export function answerMethodNotAllowed(allowed: readonly string[], request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): void {
  const method = String(request.method ?? "").slice(0, namedMethodLength);
  const allow = allowed.join(", ");
  const error = new ConnectError(`HTTP method ${method} is not allowed on this RPC: use ${allowed.join(" or ")}`, Code.Unimplemented, undefined, [
    { desc: ErrorInfoSchema, value: errorInfo("METHOD_NOT_ALLOWED", { method, allow }) },
  ]);
  response.writeHead(405, { allow, "content-type": "application/json" });
  response.end(Buffer.from(errorToJsonBytes(error, undefined)));
}
