import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Logger } from "../log.js";
import { RecordedHttp2Response, RecordedResponse } from "../observe/recorded-response.js";
import { drainLimitBytes, drainUnreadBody } from "./drain-unread-body.js";

/** The client connection preface of HTTP/2 (RFC 9113 §3.4). */
const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** A request handler serving both HTTP/1.1 and HTTP/2 compatibility requests. */
export type RequestHandler = (
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
) => void;

/** One port for HTTP/1.1 and cleartext HTTP/2. */
export interface Listener {
  /** Starts listening; resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Stops accepting, closes each keep-alive connection (HTTP/1.1) or session (HTTP/2 GOAWAY) as
   * soon as its last response is written, and waits for requests in flight for at most
   * `graceMs`; then cuts what is left. Resolves with how many requests were cut.
   */
  close(graceMs?: number): Promise<{ cut: number }>;
}

/** Timeouts that bound every connection. */
export interface ListenerOptions {
  /** Time a new connection has to send its first bytes. */
  firstBytesTimeoutMs?: number;
  /** Time an HTTP/1.1 client has to send the request headers. */
  headersTimeoutMs?: number;
  /** Time an HTTP/1.1 client has to send a whole request. */
  requestTimeoutMs?: number;
  /**
   * Idle time after which an HTTP/2 session without open streams is closed. A session with open
   * streams (a health Watch, a server stream that has nothing to say) is not: it is sent a PING
   * instead, and destroyed only when the peer has not answered the previous one.
   */
  idleTimeoutMs?: number;
  /**
   * Bodies the server refuses unread: one declared above this size and above `drainLimitBytes`
   * closes the HTTP/1.1 connection after the answer; a smaller one is read and dropped behind it.
   */
  maxBodyBytes?: number;
  /**
   * Serves an HTTP/2 stream on the stream itself, before Node's compatibility layer makes a
   * request and a response of it (the unary gRPC path), or returns false to leave it to `handler`.
   */
  http2Stream?: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => boolean;
  logger: Logger;
}

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/**
 * Creates the listener. Node 20's `http2.createServer({allowHTTP1})` needs TLS to serve both,
 * so a `net` server reads each connection's first bytes and hands the socket to the HTTP/2
 * server when they are the HTTP/2 preface, else to the HTTP/1.1 server.
 */
export function createListener(handler: RequestHandler, options: ListenerOptions): Listener {
  const firstBytesTimeoutMs = options.firstBytesTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const maxBodyBytes = options.maxBodyBytes ?? Infinity;
  const inFlight = new Set<Response>();
  let closing = false;

  const serve: RequestHandler = (request, response) => {
    inFlight.add(response);
    response.once("close", () => inFlight.delete(response));
    if (isHttp1(request)) {
      const declared = Number(request.headers["content-length"] ?? 0);
      // A body too large to drop behind the answer leaves the connection unusable: close it after the answer.
      if (closing || (declared > maxBodyBytes && declared > drainLimitBytes)) response.setHeader("connection", "close");
    }
    response.once("finish", () => {
      if (request.complete) return;
      // The answer went out before the body was read (too large, or refused early). HTTP/1.1
      // reads and drops the rest, up to a bound, so the client sees the answer and not a reset;
      // a connection already marked to close is closed. HTTP/2 closes only this stream.
      if (isHttp1(request)) {
        if (response.getHeader("connection") === "close") request.socket.destroySoon();
        else drainUnreadBody(request);
      } else (request as http2.Http2ServerRequest).stream.close(http2.constants.NGHTTP2_NO_ERROR);
    });
    handler(request, response);
  };

  // Responses that carry their request's record for the request tracking (src/observe/recorded-response.ts).
  const http1 = http.createServer(
    { headersTimeout: options.headersTimeoutMs ?? 10_000, requestTimeout: options.requestTimeoutMs ?? 30_000, keepAliveTimeout: 5_000, ServerResponse: RecordedResponse },
    serve,
  );
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 250 }, Http2ServerResponse: RecordedHttp2Response }, serve);
  // Streams the direct handler serves, counted with one listener shared by all (not a closure each).
  let directStreams = 0;
  const directClosed = () => void (directStreams -= 1);
  const direct = options.http2Stream;
  if (direct !== undefined) {
    // The compatibility layer is the server's 'stream' listener: streams the direct handler
    // does not take go on to it.
    const compat = h2.listeners("stream") as Array<(this: http2.Http2Server, ...args: unknown[]) => void>;
    h2.removeAllListeners("stream");
    h2.on("stream", function (this: http2.Http2Server, stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) {
      if (direct(stream, headers)) {
        directStreams += 1;
        stream.on("close", directClosed);
        return;
      }
      for (const listener of compat) listener.call(this, stream, headers, ...rest);
    });
  }
  h2.on("sessionError", (error) => options.logger.debug("http/2 session error", { error: error.message }));
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    keepAliveWhileStreaming(session, idleTimeoutMs);
    // A session that arrives during shutdown serves what it has in flight and goes away.
    if (closing) session.close();
  });

  // TCP_NODELAY, as node:http and node:http2 set it on the sockets they accept themselves (not
  // on sockets handed to them). Without it Nagle held each small HTTP/2 write until the client
  // ACKed the previous one: the streams of a session waited on delayed ACKs, and gRPC under
  // h2load served half the calls it had the CPU for.
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    let received = Buffer.alloc(0);
    const giveUp = () => socket.destroy();
    socket.setTimeout(firstBytesTimeoutMs, giveUp);
    socket.once("error", giveUp);
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        received = Buffer.concat([received, chunk]);
        if (received.length >= preface.length) break;
      }
      const length = Math.min(received.length, preface.length);
      const couldBeH2 = received.subarray(0, length).equals(preface.subarray(0, length));
      if (couldBeH2 && received.length < preface.length) return;
      socket.off("readable", onReadable);
      socket.off("error", giveUp);
      socket.setTimeout(0);
      socket.removeListener("timeout", giveUp);
      socket.unshift(received);
      if (couldBeH2) h2.emit("connection", socket);
      else http1.emit("connection", socket);
    };
    socket.on("readable", onReadable);
  });

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          // The inner servers never listen themselves; their timers arm on 'listening'.
          http1.emit("listening");
          h2.emit("listening");
          resolve((server.address() as net.AddressInfo).port);
        });
      });
    },
    async close(graceMs = 10_000) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      http1.closeIdleConnections();
      for (const response of inFlight) {
        if (!isHttp1Response(response)) continue;
        if (!response.headersSent) response.setHeader("connection", "close");
        else response.once("finish", () => response.socket?.destroySoon());
      }
      // Sockets still deciding their protocol have sent no request yet.
      for (const socket of sockets) if (socket.listenerCount("readable") > 0 && !socket.destroyed) socket.destroy();
      // GOAWAY: open streams finish, then each session closes.
      for (const session of sessions) session.close();
      let cut = 0;
      const timer = setTimeout(() => {
        cut = inFlight.size + directStreams;
        http1.closeAllConnections();
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      return { cut };
    },
  };
}

/**
 * Closes `session` after `idleTimeoutMs` without a byte in either direction when it has no open
 * stream. With open streams the session is alive by definition, but the peer may be gone: it is
 * sent a PING, and destroyed at the next timeout if that PING is still unanswered.
 */
function keepAliveWhileStreaming(session: http2.ServerHttp2Session, idleTimeoutMs: number): void {
  let open = 0;
  let pingUnanswered = false;
  // 'close' is emitted once: one listener for every stream of the session, no wrapper each.
  const closed = () => void (open -= 1);
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    open += 1;
    stream.on("close", closed);
  });
  session.setTimeout(idleTimeoutMs, () => {
    if (session.destroyed || session.closed) return;
    if (open === 0) return void session.close();
    if (pingUnanswered) return void session.destroy();
    pingUnanswered = true;
    // The callback runs on the ACK, or with an error when the session goes first.
    session.ping((error) => {
      if (error === null) pingUnanswered = false;
    });
  });
}

function isHttp1(request: Request): request is http.IncomingMessage {
  return request.httpVersionMajor === 1;
}

function isHttp1Response(response: Response): response is http.ServerResponse {
  return response instanceof http.ServerResponse;
}
