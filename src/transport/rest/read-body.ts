import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { DomainError } from "../../core/errors/domain-error.js";

/** Request bodies above this many bytes are refused with 413. */
export const maxBodyBytes = 64 * 1024;

/**
 * Reads a request body of at most `limit` bytes within `timeoutMs`. Throws BODY_TOO_LARGE as
 * soon as the declared or received length passes the limit, without buffering the rest.
 */
export function readBody(request: IncomingMessage | Http2ServerRequest, limit = maxBodyBytes, timeoutMs = 10_000): Promise<Buffer> {
  const declared = Number(request.headers["content-length"] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  if (declared === 0) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: unknown) => {
      clearTimeout(timer);
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
      if (error === undefined) resolve(Buffer.concat(chunks, size));
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(new DomainError("MALFORMED_BODY", "invalid", "the request body could not be read", { cause: error }));
    const onAborted = () => finish(new DomainError("MALFORMED_BODY", "invalid", "the request was aborted"));
    const timer = setTimeout(() => finish(new DomainError("MALFORMED_BODY", "invalid", "the request body took too long")), timeoutMs);
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("aborted", onAborted);
  });
}

function tooLarge(limit: number): DomainError {
  return new DomainError("BODY_TOO_LARGE", "invalid", `the request body is over ${limit / 1024} KiB`);
}
