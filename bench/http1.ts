import net from "node:net";

/** A pool of Http1Connection, one per request in flight; `call` fits runLoad. */
export function http1Pool(
  port: number,
  path: string,
  expectedBody: Buffer,
  timeoutMs: number,
  headers: Record<string, string> = {},
): { call(): Promise<void>; close(): void } {
  const all: Http1Connection[] = [];
  const idle: Http1Connection[] = [];
  return {
    async call() {
      let connection = idle.pop();
      if (connection === undefined) {
        connection = new Http1Connection(port, path, expectedBody, timeoutMs, headers);
        all.push(connection);
      }
      try {
        await connection.get();
      } finally {
        idle.push(connection);
      }
    },
    close() {
      for (const connection of all) connection.close();
    },
  };
}

/**
 * A minimal HTTP/1.1 keep-alive client for one fixed GET (with fixed extra headers, such as
 * Authorization): one request in flight per connection, the request bytes prepared once,
 * the response checked byte for byte against the expected status line (200),
 * Content-Length and body. Much cheaper per request than node:http's client, so that on a
 * small machine the load generator is less of the bottleneck. Anything it does not expect
 * (another status, chunked encoding, a closed connection) is an error, and the connection
 * is replaced.
 */
export class Http1Connection {
  private socket: net.Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve(): void; reject(error: Error): void; timer: NodeJS.Timeout } | undefined;
  private readonly request: Buffer;

  constructor(
    private readonly port: number,
    path: string,
    private readonly expectedBody: Buffer,
    private readonly timeoutMs: number,
    headers: Record<string, string> = {},
  ) {
    const extra = Object.entries(headers)
      .map(([name, value]) => {
        if (/[\r\n]/.test(name + value)) throw new Error(`header ${name}: line break in name or value`);
        return `${name}: ${value}\r\n`;
      })
      .join("");
    this.request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: keep-alive\r\n\r\n`, "latin1");
  }

  /** Sends the request and resolves when a matching response has arrived. */
  get(): Promise<void> {
    if (this.waiting) return Promise.reject(new Error("request already in flight"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no response within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiting = { resolve, reject, timer };
      this.connect().write(this.request);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connect(): net.Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    this.buffer = Buffer.alloc(0);
    const socket = net.connect({ host: "127.0.0.1", port: this.port, noDelay: true });
    // Events of a connection already replaced must not touch the current one.
    socket.on("data", (chunk: Buffer) => {
      if (this.socket === socket) this.onData(chunk);
    });
    socket.on("error", (error) => {
      if (this.socket === socket) this.fail(error);
    });
    socket.on("close", () => {
      if (this.socket === socket) this.fail(new Error("connection closed"));
    });
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) return;
    const head = this.buffer.toString("latin1", 0, headerEnd);
    const status = head.slice(0, head.indexOf("\r\n"));
    if (!/^HTTP\/1\.1 200 /.test(status)) return this.fail(new Error(`unexpected status line: ${status}`));
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (lengthMatch === null || /\r\ntransfer-encoding:/i.test(head)) return this.fail(new Error("response without a plain Content-Length"));
    const length = Number(lengthMatch[1]);
    const end = headerEnd + 4 + length;
    if (this.buffer.length < end) return;
    if (this.buffer.length > end) return this.fail(new Error("bytes after the response"));
    const body = this.buffer.subarray(headerEnd + 4, end);
    this.buffer = Buffer.alloc(0);
    if (!body.equals(this.expectedBody)) return this.fail(new Error("response body differs from the reference"));
    if (/\r\nconnection:\s*close/i.test(head)) this.close();
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.resolve();
    }
  }

  /** Fails the request in flight, if any, and drops the connection. */
  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.socket?.destroy();
    this.socket = undefined;
    this.buffer = Buffer.alloc(0);
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }
}

/** A response read by Http1Client. */
export interface Http1Response {
  status: number;
  body: Buffer;
}

/**
 * A minimal HTTP/1.1 keep-alive client for any request (method, path, headers, body), one
 * request in flight per connection; returns the status and the body (Content-Length framed:
 * chunked encoding is an error). Used for the POST pairs of the WebAuthn login section.
 */
export class Http1Client {
  private socket: net.Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: { resolve(response: Http1Response): void; reject(error: Error): void; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  /** A JSON POST. */
  postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Http1Response> {
    return this.request("POST", path, { ...headers, "Content-Type": "application/json" }, Buffer.from(JSON.stringify(body), "utf8"));
  }

  request(method: string, path: string, headers: Record<string, string>, body: Buffer = Buffer.alloc(0)): Promise<Http1Response> {
    if (this.waiting) return Promise.reject(new Error("request already in flight"));
    const extra = Object.entries(headers)
      .map(([name, value]) => {
        if (/[\r\n]/.test(name + value)) throw new Error(`header ${name}: line break in name or value`);
        return `${name}: ${value}\r\n`;
      })
      .join("");
    const head = Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\n${extra}Content-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`, "latin1");
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`${method} ${path}: no response within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiting = { resolve, reject, timer };
      this.connect().write(body.length === 0 ? head : Buffer.concat([head, body]));
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connect(): net.Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    this.buffer = Buffer.alloc(0);
    const socket = net.connect({ host: "127.0.0.1", port: this.port, noDelay: true });
    socket.on("data", (chunk: Buffer) => {
      if (this.socket === socket) this.onData(chunk);
    });
    socket.on("error", (error) => {
      if (this.socket === socket) this.fail(error);
    });
    socket.on("close", () => {
      if (this.socket === socket) this.fail(new Error("connection closed"));
    });
    this.socket = socket;
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) return;
    const head = this.buffer.toString("latin1", 0, headerEnd);
    const statusMatch = /^HTTP\/1\.1 (\d{3}) /.exec(head);
    if (statusMatch === null) return this.fail(new Error(`unexpected status line: ${head.slice(0, head.indexOf("\r\n"))}`));
    const lengthMatch = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (lengthMatch === null || /\r\ntransfer-encoding:/i.test(head)) return this.fail(new Error("response without a plain Content-Length"));
    const end = headerEnd + 4 + Number(lengthMatch[1]);
    if (this.buffer.length < end) return;
    if (this.buffer.length > end) return this.fail(new Error("bytes after the response"));
    const body = Buffer.from(this.buffer.subarray(headerEnd + 4, end));
    this.buffer = Buffer.alloc(0);
    if (/\r\nconnection:\s*close/i.test(head)) this.close();
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.resolve({ status: Number(statusMatch[1]), body });
    }
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.socket?.destroy();
    this.socket = undefined;
    this.buffer = Buffer.alloc(0);
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }
}
