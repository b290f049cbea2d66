import http from "node:http";
import http2 from "node:http2";

/** The four RPC transports as raw bytes on the wire: what a broken or hostile client can send. */
export const rawRpcTransports = ["grpc", "grpc-web", "connect-json", "connect-binary"] as const;
export type RawRpcTransport = (typeof rawRpcTransports)[number];

/** How an RPC ended: the gRPC status code (or Connect code mapped to it) and the message. */
export interface RawRpcAnswer {
  httpStatus: number;
  code: number;
  message: string;
}

/** A gRPC envelope: flag, 4-byte big-endian length, payload. */
export function envelope(payload: Buffer, flag = 0, declaredLength = payload.length): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(declaredLength, 1);
  return Buffer.concat([head, payload]);
}

const connectCodes: Record<string, number> = {
  canceled: 1, unknown: 2, invalid_argument: 3, deadline_exceeded: 4, not_found: 5, already_exists: 6, permission_denied: 7,
  resource_exhausted: 8, failed_precondition: 9, aborted: 10, out_of_range: 11, unimplemented: 12, internal: 13, unavailable: 14,
  data_loss: 15, unauthenticated: 16,
};

/** Sends `body` as is to `/<service>/<method>` over gRPC on `session` (one HTTP/2 connection). */
export function grpcCall(session: http2.ClientHttp2Session, path: string, body: Buffer): Promise<RawRpcAnswer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc+proto", te: "trailers" });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    stream.on("response", (received) => (headers = received));
    stream.on("trailers", (received) => (trailers = received));
    stream.on("data", () => undefined);
    stream.on("error", reject);
    stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.on("close", () => {
      const status = trailers["grpc-status"] ?? headers["grpc-status"];
      if (status === undefined) return reject(new Error(`no grpc-status (rst code ${stream.rstCode})`));
      resolve({ httpStatus: Number(headers[":status"]), code: Number(status), message: decodeURIComponent(String(trailers["grpc-message"] ?? headers["grpc-message"] ?? "")) });
    });
    stream.end(body);
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** Sends `body` as is over HTTP/1.1 as gRPC-Web or Connect. */
export function http1Call(url: string, transport: Exclude<RawRpcTransport, "grpc">, path: string, body: Buffer): Promise<RawRpcAnswer> {
  const contentType = { "grpc-web": "application/grpc-web+proto", "connect-json": "application/json", "connect-binary": "application/proto" }[transport];
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, url), { method: "POST", agent, timeout: 10_000, headers: { "content-type": contentType, "content-length": body.length, ...(transport === "grpc-web" ? { "x-grpc-web": "1" } : { "connect-protocol-version": "1" }) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const bytes = Buffer.concat(chunks);
        const httpStatus = response.statusCode ?? 0;
        if (transport === "grpc-web") {
          const text = bytes.toString("latin1");
          const status = /grpc-status:\s*(\d+)/i.exec(text)?.[1] ?? response.headers["grpc-status"];
          const message = /grpc-message:\s*([^\r\n]*)/i.exec(text)?.[1] ?? response.headers["grpc-message"] ?? "";
          resolve({ httpStatus, code: status === undefined ? -1 : Number(status), message: decodeURIComponent(String(message)) });
          return;
        }
        if (httpStatus === 200) return resolve({ httpStatus, code: 0, message: "" });
        let parsed: { code?: string; message?: string } = {};
        try {
          parsed = JSON.parse(bytes.toString("utf8")) as { code?: string; message?: string };
        } catch {
          parsed = {};
        }
        resolve({ httpStatus, code: connectCodes[parsed.code ?? ""] ?? -1, message: parsed.message ?? "" });
      });
    });
    request.on("error", reject);
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.end(body);
  });
}

/** Closes the kept-alive HTTP/1.1 connections. */
export function closeHttp1Agent(): void {
  agent.destroy();
}
