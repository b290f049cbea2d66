import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import { isReason, type Reason } from "./reasons.js";

/** The `google.rpc.ErrorInfo` domain of Tessera's reasons. */
export const errorDomain = "tessera";

/** The header that carries the id of a request in Tessera's logs. */
export const requestIdHeader = "x-request-id";

/** What a failed call tells a browser app, in a shape it can switch on. */
export interface TesseraError {
  /** The Connect (gRPC) code. */
  code: Code;
  /** Tessera's reason, when the server sent one this package knows. */
  reason: Reason | undefined;
  /** The reason as sent, also when this package is older than the server and does not know it. */
  reasonText: string | undefined;
  /** The server's message (without Connect's `[code]` prefix). */
  message: string;
  /** ErrorInfo metadata: facts about the failure, such as the field that was invalid. */
  metadata: Readonly<Record<string, string>>;
  /**
   * True when no answer could be read at all: the server is unreachable, or the browser refused
   * the answer because Tessera does not allow this page's origin (`CORS_ORIGINS`). The browser
   * hides which of the two it was; the server logs the refused origin.
   */
  network: boolean;
  /**
   * The `X-Request-Id` Tessera answered with (it exposes the header to allowed origins): the id
   * of the server's log lines about this call, to quote when reporting the failure.
   */
  requestId: string | undefined;
  /** The ConnectError itself. */
  error: ConnectError;
}

/** The reason Tessera gave for a failed call, or undefined (not a Tessera answer, or a reason this package does not know). */
export function errorReason(thrown: unknown): Reason | undefined {
  return describeError(thrown).reason;
}

/**
 * Reads what Tessera said about a failed call: its code, its reason (from the
 * `google.rpc.ErrorInfo` detail in domain "tessera") and whether it failed before any answer.
 */
export function describeError(thrown: unknown): TesseraError {
  const error = ConnectError.from(thrown);
  const info = error.findDetails(ErrorInfoSchema).find((detail) => detail.domain === errorDomain);
  const reasonText = info?.reason;
  return {
    code: error.code,
    reason: reasonText !== undefined && isReason(reasonText) ? reasonText : undefined,
    reasonText,
    message: error.rawMessage,
    metadata: { ...(info?.metadata ?? {}) },
    network: info === undefined && error.code === Code.Unknown && error.cause instanceof TypeError,
    requestId: error.metadata.get(requestIdHeader) ?? undefined,
    error,
  };
}
