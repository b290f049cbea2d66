import { Code, ConnectError } from "@connectrpc/connect";
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest, ServerHttp2Stream } from "node:http2";

/** How a body is bounded while it arrives. */
export interface BodyLimit {
  /** Bytes the whole body may hold. */
  maxBytes: number;
  /** The error when the body passes `maxBytes`. */
  tooLarge(): ConnectError;
  /**
   * Looks at the first bytes (at most `peekBytes` once that many have arrived, or all of a
   * shorter body) and returns an error that refuses the request before the rest is read.
   */
  peek?(head: Buffer): ConnectError | undefined;
  peekBytes?: number;
}

/** What bounds the time a body takes to arrive: the call's lifetime, on its deadline sweep. */
export interface ReadBound {
  /** The read begins; `fail` is called if it takes too long. */
  boundRead(fail: (error: ConnectError) => void): void;
  /** The read is over. */
  readDone(): void;
}

/**
 * Reads a request body within `limit` and the time `bound` gives it. A refusal returns at once,
 * with the rest unread: the caller answers and the stream or connection is closed behind the
 * answer.
 */
export function readRequest(request: IncomingMessage | Http2ServerRequest | ServerHttp2Stream, limit: BodyLimit, bound: ReadBound): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let peeked = limit.peek === undefined;
    let finished = false;
    const finish = (error?: ConnectError) => {
      if (finished) return;
      finished = true;
      bound.readDone();
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("aborted", onAborted);
      if (error === undefined) return resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      request.pause();
      reject(error);
    };
    const peek = (): ConnectError | undefined => {
      peeked = true;
      return limit.peek?.(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (!peeked && size >= (limit.peekBytes ?? 0)) {
        const refused = peek();
        if (refused !== undefined) return finish(refused);
      }
      if (size > limit.maxBytes) finish(limit.tooLarge());
    };
    const onEnd = () => finish(peeked ? undefined : peek());
    const onError = () => finish(new ConnectError("the request body could not be read", Code.InvalidArgument));
    const onAborted = () => finish(new ConnectError("the request was aborted", Code.Canceled));
    request.on("data", onData);
    request.once("end", onEnd);
    request.once("error", onError);
    request.once("aborted", onAborted);
    bound.boundRead(finish);
  });
}
