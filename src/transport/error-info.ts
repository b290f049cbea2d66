import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, type ErrorInfo } from "../../gen/es/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/es/google/rpc/status_pb.js";
import type { Reason } from "../core/errors/reasons.js";

/** The `google.rpc.ErrorInfo` domain of Tessera's reasons. */
export const errorDomain = "tessera";

/**
 * The reason of an error that carries none of its own: one the transport raised before any
 * handler ran (an undecodable or oversize message, an unknown encoding, a deadline) or one a
 * handler threw as a bare ConnectError. A browser app can switch on the reason of every error.
 */
const reasonByCode: Record<Code, Reason> = {
  [Code.Canceled]: "CANCELED",
  [Code.Unknown]: "INTERNAL",
  [Code.InvalidArgument]: "MALFORMED_BODY",
  [Code.DeadlineExceeded]: "DEADLINE_EXCEEDED",
  [Code.NotFound]: "NOT_FOUND",
  [Code.AlreadyExists]: "CONFLICT",
  [Code.PermissionDenied]: "FORBIDDEN",
  [Code.ResourceExhausted]: "BODY_TOO_LARGE",
  [Code.FailedPrecondition]: "PRECONDITION_FAILED",
  [Code.Aborted]: "CONFLICT",
  [Code.OutOfRange]: "INVALID_REQUEST",
  [Code.Unimplemented]: "NOT_SUPPORTED",
  [Code.Internal]: "INTERNAL",
  [Code.Unavailable]: "UNAVAILABLE",
  [Code.DataLoss]: "INTERNAL",
  [Code.Unauthenticated]: "UNAUTHENTICATED",
};

/** The reason an error of `code` carries when nothing more precise is known. */
export function reasonForCode(code: Code): Reason {
  return reasonByCode[code];
}

/** ErrorInfo in Tessera's domain. */
export function errorInfo(reason: Reason, metadata: Record<string, string> = {}): ErrorInfo {
  return create(ErrorInfoSchema, { reason, domain: errorDomain, metadata });
}

/** `error` itself when it carries Tessera's ErrorInfo, else the same error with the ErrorInfo of its code added. */
export function withErrorInfo(error: ConnectError): ConnectError {
  if (error.findDetails(ErrorInfoSchema).some((detail) => detail.domain === errorDomain)) return error;
  const copy = new ConnectError(error.rawMessage, error.code, error.metadata, [{ desc: ErrorInfoSchema, value: errorInfo(reasonForCode(error.code)) }], error.cause);
  copy.details = [...error.details, ...copy.details];
  return copy;
}

/** The `grpc-status-details-bin` value (a base64 google.rpc.Status) of an error answered without details. */
export function grpcStatusDetails(code: Code, message: string): string {
  const status = create(StatusSchema, { code, message, details: [anyPack(ErrorInfoSchema, errorInfo(reasonForCode(code)))] });
  return Buffer.from(toBinary(StatusSchema, status)).toString("base64").replace(/=+$/, "");
}

/** The `details` member of a Connect error JSON body answered without details. */
export function connectJsonDetails(code: Code): { type: string; value: string }[] {
  const value = Buffer.from(toBinary(ErrorInfoSchema, errorInfo(reasonForCode(code)))).toString("base64").replace(/=+$/, "");
  return [{ type: ErrorInfoSchema.typeName, value }];
}
