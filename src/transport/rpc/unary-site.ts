import type { DescMessage, DescMethodUnary, Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Compression, MethodSerializationLookup } from "@connectrpc/connect/protocol";
import type { Logger } from "../../log.js";
import type { ClientOf } from "../client-of.js";
import { withErrorInfo } from "../error-info.js";
import type { BodyFailure } from "../read-body.js";
import { asDecodeFailure } from "./undecodable.js";
import type { UnaryCall, UnaryImplementation } from "./unary-call.js";

/** One unary RPC the unary path serves, with what it needs per call prepared once. */
export interface UnarySite {
  method: DescMethodUnary;
  implementation: UnaryImplementation;
  serialization: MethodSerializationLookup<DescMessage, DescMessage>;
}

/** What every call on the unary path shares. */
export interface UnaryPathSettings {
  interceptors: readonly Interceptor[];
  readMaxBytes: number;
  /** Encodings accepted for requests and offered for responses, in the server's order. */
  acceptCompression: readonly Compression[];
  /** Responses at least this large are compressed when the client accepts an encoding. */
  compressMinBytes: number;
  logger: Logger;
  /** Who sent a call (IP address, User-Agent), for the handler's context. */
  clientOf: ClientOf;
}

/** The RPC error of a body that could not be read (see readBody). */
export function bodyFailed(why: BodyFailure): ConnectError {
  if (why === "aborted") return new ConnectError("the request was aborted", Code.Canceled);
  if (why === "timeout") return new ConnectError("the request body took too long", Code.DeadlineExceeded);
  return new ConnectError("the request body could not be read", Code.InvalidArgument);
}

/** What the implementation or an interceptor threw, as connect-node answers it, with a reason. */
export function callFailure(thrown: unknown): ConnectError {
  return withErrorInfo(thrown instanceof ConnectError ? thrown : new ConnectError("internal error", Code.Internal, undefined, undefined, thrown));
}

/** One header value of a Node request, as Headers.get would give it. */
export function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

/** How one protocol reads a call and writes its answer. */
export interface UnaryExchange {
  /** Reads and decodes the input message; what it throws is a decoding failure. */
  decode(): Promise<Message>;
  succeed(output: Message): Promise<void> | void;
  fail(error: ConnectError): Promise<void> | void;
}

/**
 * Runs one call: decode, the interceptors and the implementation, then the answer; a failure
 * anywhere is answered as connect-node answers it, and a failure to answer is logged.
 */
export function runUnary(call: UnaryCall, site: UnarySite, settings: UnaryPathSettings, exchange: UnaryExchange): void {
  exchange
    .decode()
    .then(
      (input) =>
        call.invoke(input, site.implementation, settings.interceptors).then(
          (output) => exchange.succeed(output),
          (error: unknown) => exchange.fail(callFailure(error)),
        ),
      (error: unknown) => exchange.fail(withErrorInfo(asDecodeFailure(error, settings.logger, site.method.name))),
    )
    .catch((error: unknown) => exchange.fail(callFailure(error)))
    .catch((error: unknown) => settings.logger.warn("rpc response failed", { method: site.method.name, error: error instanceof Error ? error.message : String(error) }));
}
