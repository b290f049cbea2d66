import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest, ServerHttp2Stream } from "node:http2";

/** Request bodies above this many bytes are refused (REST 413, RPC RESOURCE_EXHAUSTED). */
export const maxBodyBytes = 64 * 1024;

/** Time a client has to send a whole request body. */
export const bodyTimeoutMs = 10_000;

/** Why a body could not be read, for the caller's own error. */
export type BodyFailure = "unreadable" | "aborted" | "timeout";

/**
 * What bounds the time a body takes to arrive in place of a timer of the read's own: an RPC
 * call's lifetime, on the shared deadline sweep, which also ends the read at the call's deadline.
 */
export interface ReadBound<E> {
  /** The read begins; `fail` ends it with that error if it takes too long. */
  boundRead(fail: (error: E) => void): void;
  /** The read is over. */
  readDone(): void;
}

/**
 * How a body is bounded while it arrives, and the errors of the caller's dialect (a REST
 * DomainError, an RPC ConnectError) that each refusal rejects with.
 */
export interface BodyLimit<E> {
  /** Bytes the whole body may hold. */
  maxBytes: number;
  /** The length the request declares (Content-Length), if any: over `maxBytes` refuses it before a byte is read. */
  declaredBytes?: number;
  /** The error when the body passes `maxBytes`. */
  tooLarge(): E;
  /** The error when the body could not be read, the client gave up, or it took over `timeoutMs`. */
  failed(why: BodyFailure, cause?: Error): E;
  /**
   * Looks at the first bytes (at most `peekBytes` once that many have arrived, or all of a
   * shorter body) and returns an error that refuses the request before the rest is read.
   */
  peek?(head: Buffer): E | undefined;
  peekBytes?: number;
  /** Time the client has to send it all; `bodyTimeoutMs` by default. */
  timeoutMs?: number;
}

/**
 * Reads a request body within `limit`, REST and RPC alike, in the time `bound` gives it, or
 * else `limit.timeoutMs`. A refusal rejects at once with the rest unread and the stream
 * paused: the caller answers, and the stream or connection is closed behind the answer.
 */
export function readBody<E>(request: IncomingMessage | Http2ServerRequest | ServerHttp2Stream, limit: BodyLimit<E>, bound?: ReadBound<E>): Promise<Buffer> {
  const declared = limit.declaredBytes ?? NaN;
  if (declared > limit.maxBytes) return Promise.reject(limit.tooLarge());
  if (declared === 0 && limit.peek === undefined) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let peeked = limit.peek === undefined;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (error?: E) => {
      if (finished) return;
      finished = true;
      if (timer !== undefined) clearTimeout(timer);
      bound?.readDone();
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
      if (error === undefined) return resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      request.pause();
      reject(error);
    };
    const peek = (): E | undefined => {
      peeked = true;
      return limit.peek?.(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      // The head first: what it refuses (a declared length over the limit) says more than "too large".
      if (!peeked && size >= (limit.peekBytes ?? 0)) {
        const refused = peek();
        if (refused !== undefined) return finish(refused);
      }
      if (size > limit.maxBytes) finish(limit.tooLarge());
    };
    const onEnd = () => finish(peeked ? undefined : peek());
    const onError = (error: Error) => finish(limit.failed("unreadable", error));
    const onAborted = () => finish(limit.failed("aborted"));
    request.on("data", onData);
    request.once("end", onEnd);
    request.once("error", onError);
    request.once("aborted", onAborted);
    if (bound !== undefined) bound.boundRead(finish);
    else timer = setTimeout(() => finish(limit.failed("timeout")), limit.timeoutMs ?? bodyTimeoutMs);
  });
}
