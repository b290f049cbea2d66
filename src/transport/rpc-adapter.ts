import { Code, ConnectError, createConnectRouter, createContextKey, createContextValues, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip, universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import { codeFromString, codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { clientKey } from "../core/client/client.js";
import type { Logger } from "../log.js";
import type { RequestRecord } from "../observe/request-record.js";
import { codeName, withRequestRecord } from "../observe/request-tracking.js";
import type { ClientOf } from "./client-of.js";
import { connectJsonDetails, grpcStatusDetails, withErrorInfo } from "./error-info.js";
import { asDecodeFailure, isDecodeFailure, undecodableError } from "./rpc/undecodable.js";
import { answerEarly, answerTrailersOnly, collect, unimplemented } from "./rpc/early-answer.js";
import { answerMethodNotAllowed } from "./rpc/wrong-method.js";

/** What the RPC side of the listener serves. */
export interface RpcAdapterOptions {
  routes: (router: ConnectRouter) => void;
  interceptors: Interceptor[];
  readMaxBytes: number;
  logger: Logger;
  /** Who sent a call (IP address, User-Agent), for the handler's context. */
  clientOf: ClientOf;
}

/** Set by the interceptor: the request was decoded and reached a handler. */
const reachedHandler = createContextKey<{ reached: boolean }>({ reached: false });

/**
 * connect-node's adapter, plus the rule of rpc/undecodable.ts: a request that fails to decode
 * before it reaches a handler is answered INVALID_ARGUMENT with a generic message over every
 * protocol (connect-node writes the error itself, so its answer is rewritten here). Every early
 * failure gets the ErrorInfo of its code (connect-node sends none), so that a browser sees a
 * reason on every error, as it does for errors a handler raised.
 * A streaming call reaches its handler before its messages are decoded: a message of it that
 * fails to decode is turned into the same INVALID_ARGUMENT where the handler reads it.
 */
export function createRpcAdapter(options: RpcAdapterOptions): (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse, record?: RequestRecord) => void {
  const mark: Interceptor = (next) => (request) => {
    request.contextValues.get(reachedHandler).reached = true;
    if (!request.stream) return next(request);
    return next({ ...request, message: decodedOrInvalid(request.message, options.logger, request.method.name) });
  };
  const router = createConnectRouter({
    interceptors: [mark, ...options.interceptors],
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  options.routes(router);
  const handlers = new Map(router.handlers.map((handler) => [handler.requestPath, handler]));
  return (request, response, record) => {
    const handler = handlers.get((request.url ?? "").split("?", 2)[0] ?? "");
    if (handler === undefined) {
      answerEarly(unimplemented, request, response);
      return;
    }
    if (!handler.allowedMethods.includes(request.method ?? "")) {
      answerMethodNotAllowed(handler.allowedMethods, request, response);
      return;
    }
    const flag = { reached: false };
    const values = withRequestRecord(createContextValues().set(reachedHandler, flag).set(clientKey, options.clientOf(request.socket.remoteAddress, request.headers)), record);
    const universal = { ...universalRequestFromNodeRequest(request as IncomingMessage, response as ServerResponse, undefined, values), body: requestBody(request) };
    handler(universal)
      .then((answer) => rewriteUndecodable(answer, flag, options.logger, handler.method.name, record))
      .then((answer) => {
        // A request refused before it was decoded may not have been read to its end: the
        // listener drops the rest of an HTTP/1.1 body behind the answer; an HTTP/2 stream ends here.
        if (!flag.reached && request.httpVersionMajor === 2 && !request.complete) return answerTrailersOnly(answer, response as Http2ServerResponse);
        return universalResponseToNodeResponse(answer, response as ServerResponse);
      })
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code === Code.Aborted) return;
        options.logger.warn("rpc response failed", { method: handler.method.name, error: reason instanceof Error ? reason.message : String(reason) });
      });
  };
}

/** The messages of a request stream, a decoding failure among them INVALID_ARGUMENT with a generic message. */
async function* decodedOrInvalid<T>(messages: AsyncIterable<T>, logger: Logger, method: string): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    throw asDecodeFailure(error, logger, method);
  }
}

/**
 * The request body as connect-node reads it, except that giving up early (a message over
 * readMaxBytes, a broken envelope) returns at once. Node's own iterator waits there for the
 * stream to close, which holds the answer back until the client gives up; the listener ends
 * the unread rest once the answer is out.
 */
function requestBody(request: IncomingMessage | Http2ServerRequest): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const chunks = (request as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      return {
        next: () => chunks.next(),
        return: (value?: unknown) => {
          request.pause();
          return Promise.resolve({ done: true as const, value: value as Uint8Array });
        },
      };
    },
  };
}

function undecodable(code: Code | undefined, flag: { reached: boolean }): boolean {
  return !flag.reached && isDecodeFailure(code);
}

/**
 * The same answer, with a decoding failure turned into INVALID_ARGUMENT and a generic message,
 * and an early failure given the ErrorInfo of its code.
 */
async function rewriteUndecodable(answer: UniversalServerResponse, flag: { reached: boolean }, logger: Logger, method: string, record: RequestRecord | undefined): Promise<UniversalServerResponse> {
  if (flag.reached) return answer;
  const contentType = answer.header?.get("content-type") ?? "";
  const log = (detail: string) => undecodableError(logger, method, detail);
  // The body may change length: drop a declared one.
  answer.header?.delete("content-length");
  if (contentType.startsWith("application/grpc-web")) return { ...answer, body: rewriteGrpcWebBody(answer.body, flag, log, record) };
  if (contentType.startsWith("application/grpc")) {
    const fix = (headers: Headers | undefined) => {
      const status = Number(headers?.get("grpc-status") ?? NaN) as Code;
      if (headers === undefined || Number.isNaN(status) || status === (0 as Code)) return;
      if (undecodable(status, flag)) {
        const error = log(decodeURIComponent(headers.get("grpc-message") ?? ""));
        headers.set("grpc-status", String(error.code));
        headers.set("grpc-message", encodeURIComponent(error.rawMessage));
        headers.delete("grpc-status-details-bin");
      }
      if (!headers.has("grpc-status-details-bin")) {
        const code = Number(headers.get("grpc-status")) as Code;
        headers.set("grpc-status-details-bin", grpcStatusDetails(code, decodeURIComponent(headers.get("grpc-message") ?? "")));
      }
    };
    fix(answer.header);
    fix(answer.trailer);
    return { ...answer, body: afterBody(answer.body, () => fix(answer.trailer)) };
  }
  if (answer.status >= 400 && contentType.startsWith("application/json")) return rewriteConnectError(answer, flag, log);
  if (answer.status === 415 && contentType === "") {
    // connect-node refuses a content type it does not serve with a bare 415: the Connect error form, with its reason.
    const error = withErrorInfo(new ConnectError("unsupported content type: send application/json or application/proto", Code.Unimplemented));
    answer.header?.set("content-type", "application/json");
    return { ...answer, header: answer.header ?? new Headers({ "content-type": "application/json" }), body: once(errorToJsonBytes(error, undefined)) };
  }
  return answer;
}

async function* afterBody(body: AsyncIterable<Uint8Array> | undefined, done: () => void): AsyncIterable<Uint8Array> {
  if (body !== undefined) yield* body;
  done();
}

const connectCodes: Partial<Record<string, Code>> = { internal: Code.Internal, invalid_argument: Code.InvalidArgument };

/** Connect unary errors are a JSON body `{code, message, details}` under an HTTP status. */
async function rewriteConnectError(answer: UniversalServerResponse, flag: { reached: boolean }, log: (detail: string) => ConnectError): Promise<UniversalServerResponse> {
  const bytes = await collect(answer.body);
  let parsed: { code?: string; message?: string; details?: unknown[] } | undefined;
  try {
    parsed = JSON.parse(bytes.toString("utf8")) as { code?: string; message?: string; details?: unknown[] };
  } catch {
    parsed = undefined;
  }
  const code = parsed?.code === undefined ? undefined : codeFromString(parsed.code);
  if (parsed === undefined || code === undefined) return { ...answer, body: once(bytes) };
  if (undecodable(connectCodes[parsed.code ?? ""], flag)) {
    const error = withErrorInfo(log(parsed.message ?? ""));
    return { ...answer, status: codeToHttpStatus(error.code), body: once(errorToJsonBytes(error, undefined)) };
  }
  if ((parsed.details?.length ?? 0) > 0) return { ...answer, body: once(bytes) };
  return { ...answer, body: once(Buffer.from(JSON.stringify({ ...parsed, details: connectJsonDetails(code) }))) };
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/**
 * gRPC-Web sends its status in a trailer frame (flag 0x80) at the end of the body, where the
 * request record cannot read it from the response: the code answered goes to the record here.
 */
async function* rewriteGrpcWebBody(body: AsyncIterable<Uint8Array> | undefined, flag: { reached: boolean }, log: (detail: string) => ConnectError, record: RequestRecord | undefined): AsyncIterable<Uint8Array> {
  const bytes = await collect(body);
  const frames: Buffer[] = [];
  for (let at = 0; at + 5 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at + 1);
    const frame = bytes.subarray(at, at + 5 + length);
    at += 5 + length;
    if ((frame[0]! & 0x80) === 0) {
      frames.push(frame);
      continue;
    }
    const trailer = new Map(
      frame
        .subarray(5)
        .toString("utf8")
        .split("\r\n")
        .filter((line) => line.includes(":"))
        .map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()] as const),
    );
    const status = Number(trailer.get("grpc-status") ?? NaN) as Code;
    if (!undecodable(status, flag)) {
      if (record !== undefined && !Number.isNaN(status)) record.rpcCode = codeName(status);
      if (Number.isNaN(status) || status === (0 as Code) || trailer.has("grpc-status-details-bin")) {
        frames.push(frame);
        continue;
      }
      const text = frame.subarray(5).toString("utf8").replace(/(?:\r\n)?$/, "\r\n");
      frames.push(trailerFrame(Buffer.from(`${text}grpc-status-details-bin: ${grpcStatusDetails(status, decodeURIComponent(trailer.get("grpc-message") ?? ""))}\r\n`)));
      continue;
    }
    const error = log(decodeURIComponent(trailer.get("grpc-message") ?? ""));
    if (record !== undefined) record.rpcCode = codeName(error.code);
    const details = grpcStatusDetails(error.code, error.rawMessage);
    frames.push(trailerFrame(Buffer.from(`grpc-status: ${error.code}\r\ngrpc-message: ${encodeURIComponent(error.rawMessage)}\r\ngrpc-status-details-bin: ${details}\r\n`)));
  }
  yield Buffer.concat(frames);
}

/** A gRPC-Web trailer frame (flag 0x80) of `text`. */
function trailerFrame(text: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = 0x80;
  head.writeUInt32BE(text.length, 1);
  return Buffer.concat([head, text]);
}
