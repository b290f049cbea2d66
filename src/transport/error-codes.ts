import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import { fromDatabaseError } from "../core/errors/database-error.js";
import { DomainError, type ErrorKind } from "../core/errors/domain-error.js";
import type { Logger } from "../log.js";
import type { Problem } from "../core/errors/dialect.js";
import { errorInfo, withErrorInfo } from "./error-info.js";

/** The one table from a domain error kind to a Connect (and gRPC) code. */
const codeByKind: Record<ErrorKind, Code> = {
  invalid: Code.InvalidArgument,
  not_found: Code.NotFound,
  conflict: Code.AlreadyExists,
  precondition: Code.FailedPrecondition,
  unauthenticated: Code.Unauthenticated,
  forbidden: Code.PermissionDenied,
  rate_limited: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
};

/**
 * Turns anything a handler threw into a ConnectError that carries a reason as
 * `google.rpc.ErrorInfo`: a DomainError keeps its message and reason; a ConnectError keeps its
 * code and message and gets the reason of its code when it has none; anything else is logged
 * and becomes Internal (reason INTERNAL) with a generic message.
 */
export function toConnectError(thrown: unknown, logger: Logger): ConnectError {
  if (thrown instanceof ConnectError) return withErrorInfo(thrown);
  const error = expected(thrown, logger);
  if (error instanceof DomainError) {
    const internal = error.kind === "internal";
    if (internal) logger.error("server fault", { reason: error.reason, error: error.message, cause: error.cause });
    const info = errorInfo(error.reason, internal ? {} : stringMetadata(error.details));
    return new ConnectError(internal ? "internal error" : error.message, codeByKind[error.kind], undefined, [{ desc: ErrorInfoSchema, value: info }], error);
  }
  logger.error("unexpected error", { error });
  return withErrorInfo(new ConnectError("internal error", Code.Internal));
}

/** Turns anything a handler threw into the Problem a REST dialect renders; logs the unexpected. */
export function toProblem(thrown: unknown, logger: Logger): Problem {
  const error = expected(thrown, logger);
  if (error instanceof DomainError) {
    if (error.kind === "internal") logger.error("server fault", { reason: error.reason, error: error.message, cause: error.cause });
    return { reason: error.reason, kind: error.kind, message: error.message, details: error.details };
  }
  logger.error("unexpected error", { error });
  return { reason: "INTERNAL", kind: "internal", message: "internal error" };
}

/** A DomainError as is; a database failure as the DomainError it stands for (an outage, or a value the request sent). */
function expected(error: unknown, logger: Logger): unknown {
  if (error instanceof DomainError) return error;
  const mapped = fromDatabaseError(error);
  if (mapped === undefined) return error;
  const cause = mapped.cause instanceof Error ? mapped.cause.message : String(mapped.cause);
  if (mapped.kind === "unavailable") logger.warn("database unavailable", { error: cause });
  else logger.warn("the database refused a value from the request", { error: cause });
  return mapped;
}

function stringMetadata(details: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(details ?? {})) out[key] = typeof value === "string" ? value : JSON.stringify(value);
  return out;
}
