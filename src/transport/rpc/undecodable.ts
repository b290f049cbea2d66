import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "../../log.js";

/** The generic message of a request that could not be decoded: parser internals stay in the debug log. */
export const malformedMessage = "malformed request message";

/**
 * The rule every RPC path follows: a failure before the request reached the interceptors with
 * Internal or InvalidArgument means the message could not be decoded (connect-node answers
 * malformed protobuf with Internal `parse binary: …`, malformed JSON with the parser's words).
 * Other codes pass (RESOURCE_EXHAUSTED for an oversize message, UNIMPLEMENTED for an unknown
 * encoding).
 */
export function isDecodeFailure(code: Code | undefined): boolean {
  return code === Code.Internal || code === Code.InvalidArgument;
}

/**
 * A decoding failure answered INVALID_ARGUMENT with the generic message, its detail logged at
 * debug under `method`; `detail` is what the parser said.
 */
export function undecodableError(logger: Logger, method: string, detail: string): ConnectError {
  logger.debug("undecodable rpc request", { method, detail });
  return new ConnectError(malformedMessage, Code.InvalidArgument);
}

/** What was thrown before the interceptors, with a decoding failure made INVALID_ARGUMENT (see isDecodeFailure). */
export function asDecodeFailure(thrown: unknown, logger: Logger, method: string): ConnectError {
  const error = ConnectError.from(thrown);
  return isDecodeFailure(error.code) ? undecodableError(logger, method, error.rawMessage) : error;
}
