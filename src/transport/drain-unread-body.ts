import type http from "node:http";

/**
 * Bytes of a request body the server reads and drops after it has answered without reading it
 * (over the body limit, refused early). A declared body above this is not read: the connection
 * is closed behind the answer instead.
 */
export const drainLimitBytes = 1024 * 1024;

/** Time the rest of an unread body has to arrive before the connection is cut. */
export const drainTimeoutMs = 5_000;

/**
 * Reads and drops what is left of `request`'s body once its answer is written, so the client
 * reads the answer: closing a socket with unread bytes in its receive buffer makes the kernel
 * send a reset, and a client still sending its body (a browser) may see the reset before the
 * answer. Once the body is in, the connection serves the next request. Past `drainLimitBytes`
 * (counted from the answer on) or `drainTimeoutMs` the connection is destroyed.
 */
export function drainUnreadBody(request: http.IncomingMessage, limitBytes = drainLimitBytes, timeoutMs = drainTimeoutMs): void {
  const { socket } = request;
  let left = limitBytes;
  const cut = () => {
    done();
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) cut();
  };
  const timer = setTimeout(cut, timeoutMs);
  const done = () => {
    clearTimeout(timer);
    request.off("data", onData);
    request.off("end", done);
    request.off("close", done);
  };
  // A reader that gave up (an abandoned async iterator) may still listen for 'readable', which
  // keeps the stream from flowing.
  request.removeAllListeners("readable");
  request.on("data", onData);
  request.once("end", done);
  request.once("close", done);
  request.resume();
}
