import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Logger } from "../log.js";

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
  /** Stops accepting, ends idle connections, waits for requests in flight (at most `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/** Timeouts that bound every connection. */
export interface ListenerOptions {
  /** Time a new connection has to send its first bytes. */
  firstBytesTimeoutMs?: number;
  /** Time an HTTP/1.1 client has to send the request headers. */
  headersTimeoutMs?: number;
  /** Time an HTTP/1.1 client has to send a whole request. */
  requestTimeoutMs?: number;
  /** Idle time after which a connection (HTTP/1.1 keep-alive or HTTP/2 session) is closed. */
  idleTimeoutMs?: number;
  logger: Logger;
}

/**
 * Creates the listener. Node 20's `http2.createServer({allowHTTP1})` needs TLS to serve both,
 * so a `net` server reads each connection's first bytes and hands the socket to the HTTP/2
 * server when they are the HTTP/2 preface, else to the HTTP/1.1 server.
 */
export function createListener(handler: RequestHandler, options: ListenerOptions): Listener {
  const firstBytesTimeoutMs = options.firstBytesTimeoutMs ?? 10_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const http1 = http.createServer({ headersTimeout: options.headersTimeoutMs ?? 10_000, requestTimeout: options.requestTimeoutMs ?? 30_000, keepAliveTimeout: 5_000 }, handler);
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 250 } }, handler);
  h2.setTimeout(idleTimeoutMs);
  h2.on("sessionError", (error) => options.logger.debug("http/2 session error", { error: error.message }));
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const server = net.createServer((socket) => {
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
    async close(graceMs = 5_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      http1.closeIdleConnections();
      h2.close();
      // GOAWAY: open streams finish, then each session closes.
      for (const session of sessions) session.close();
      const timer = setTimeout(() => {
        http1.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}
