import { create, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import { errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { constants as http2Constants, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { ErrorInfoSchema } from "../../../gen/es/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../../gen/es/google/rpc/status_pb.js";
import type { Reason } from "../../core/errors/reasons.js";
import { errorInfo } from "../error-info.js";

/** An RPC refused before any service reads it: its code, message and the reason of its ErrorInfo. */
export interface EarlyRefusal {
  code: Code;
  message: string;
  reason: Reason;
  /** The HTTP status of the Connect error JSON (Connect's own mapping of the code unless set). */
  connectStatus: number;
}

/**
 * Answers `refusal` in the call's own protocol, read from its content type, with its ErrorInfo:
 * gRPC and gRPC-Web a trailers-only 200 with grpc-status, grpc-message and
 * grpc-status-details-bin (over HTTP/2 one HEADERS frame that ends the stream, the form grpc-js
 * reads), anything else the Connect error JSON under `connectStatus`. The body is not read: the
 * listener drops the rest of an HTTP/1.1 body behind the answer.
 */
export function answerEarly(refusal: EarlyRefusal, request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): void {
  const contentType = request.headers["content-type"] ?? "";
  const info = errorInfo(refusal.reason);
  if (contentType.startsWith("application/grpc")) {
    const status = create(StatusSchema, { code: refusal.code, message: refusal.message, details: [anyPack(ErrorInfoSchema, info)] });
    const header = new Headers({
      "content-type": contentType.split(";", 1)[0]!.trim(),
      "grpc-status": String(refusal.code),
      "grpc-message": encodeURIComponent(refusal.message),
      "grpc-status-details-bin": Buffer.from(toBinary(StatusSchema, status)).toString("base64").replace(/=+$/, ""),
    });
    const sent = request.httpVersionMajor === 2 ? answerTrailersOnly({ status: 200, header }, response as Http2ServerResponse) : universalResponseToNodeResponse({ status: 200, header }, response as ServerResponse);
    sent.catch(() => undefined); // the client went away: nothing left to answer
    return;
  }
  const error = new ConnectError(refusal.message, refusal.code, undefined, [{ desc: ErrorInfoSchema, value: info }]);
  response.writeHead(refusal.connectStatus, { "content-type": "application/json" });
  response.end(Buffer.from(errorToJsonBytes(error, undefined)));
}

/**
 * A call of a method no service here has: UNIMPLEMENTED with the reason NOT_SUPPORTED; the
 * Connect error JSON goes under 404 (the route is not found: the status a Connect client reads
 * as UNIMPLEMENTED, kept as before, where Connect's own mapping of the code is 501).
 */
export const unimplemented: EarlyRefusal = { code: Code.Unimplemented, message: "method not implemented", reason: "NOT_SUPPORTED", connectStatus: 404 };

/**
 * An HTTP/2 call refused before its body was read (a message over readMaxBytes): the status goes
 * out at once as a gRPC trailers-only answer and the stream is reset with NO_ERROR, so the
 * client stops sending (RFC 9113 §8.1). Written through connect-node, the answer waited for the
 * client to give up, and the unread data exhausted the connection's flow-control window, which
 * stalled every other call on it.
 */
export async function answerTrailersOnly(answer: UniversalServerResponse, response: Http2ServerResponse): Promise<void> {
  const body = await collect(answer.body);
  const { stream } = response;
  if (stream.destroyed || stream.headersSent) return;
  // Set on the response first, so that what the listener set (the request id, CORS) goes out
  // with them and the request record sees the status and grpc-status sent.
  response.statusCode = answer.status;
  answer.header?.forEach((value, name) => response.setHeader(name, value));
  answer.trailer?.forEach((value, name) => response.setHeader(name, value));
  const headers: OutgoingHttpHeaders = { ...response.getHeaders(), ":status": answer.status };
  if (body.length === 0 || headers["grpc-status"] !== undefined) {
    stream.respond(headers, { endStream: true });
  } else {
    stream.respond(headers);
    stream.end(body);
  }
  stream.close(http2Constants.NGHTTP2_NO_ERROR);
}

/** The bytes of a response body. */
export async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (body !== undefined) for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
