import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { compressionNegotiate } from "@connectrpc/connect/protocol";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { RequestRecord } from "../../observe/request-record.js";
import { CallLifetime } from "./call-lifetime.js";
import { readBody, type BodyLimit } from "../read-body.js";
import { UnaryCall } from "./unary-call.js";
import { bodyFailed, headerValue, runUnary, type UnaryPathSettings, type UnarySite } from "./unary-site.js";

/** The content type of a binary gRPC answer, as connect-node sends it. */
const contentType = "application/grpc+proto";
/** The envelope flag of a compressed message (gRPC over HTTP/2, "Compressed-Flag"). */
const compressedFlag = 0b1;

/**
 * A unary gRPC call (binary, HTTP/2) answered on the stream itself: one envelope in, one out
 * and the status in trailers, or a trailers-only answer carrying grpc-status, the
 * percent-encoded grpc-message and grpc-status-details-bin. A request refused before its body
 * was read is answered at once, and the stream is closed with NO_ERROR so the client stops
 * sending (RFC 9113 §8.1) without exhausting the connection's flow-control window.
 */
export function serveGrpc(site: UnarySite, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, settings: UnaryPathSettings, record: RequestRecord | undefined): void {
  // A stream the client resets emits an error: the call is over, not the process.
  stream.on("error", (error) => settings.logger.debug("grpc stream error", { method: site.method.name, error: error.message }));
  const compression = compressionNegotiate(settings.acceptCompression as never, headerValue(headers["grpc-encoding"]), headerValue(headers["grpc-accept-encoding"]), "grpc-accept-encoding");
  const timeout = parseTimeout(headerValue(headers["grpc-timeout"]), Number.MAX_SAFE_INTEGER);
  const lifetime = new CallLifetime(timeout.timeoutMs, (gone) => {
    if (stream.closed) gone();
    else stream.once("close", gone);
  });
  const call = new UnaryCall({ method: site.method, protocolName: "grpc", requestMethod: "POST", path: String(headers[":path"] ?? "/"), headers, lifetime, record, client: settings.clientOf(stream.session?.socket.remoteAddress, headers) });
  const answer = (head: OutgoingHttpHeaders, trailers: OutgoingHttpHeaders | undefined, frame: Buffer | undefined) => {
    lifetime.end();
    if (stream.destroyed || stream.headersSent) return;
    if (frame === undefined) {
      stream.respond({ ...head, ...trailers }, { endStream: true });
    } else {
      stream.respond(head, { waitForTrailers: true });
      stream.once("wantTrailers", () => stream.sendTrailers(trailers ?? {}));
      stream.end(frame);
    }
    if (!stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
  };
  const head = (): OutgoingHttpHeaders => {
    const out: OutgoingHttpHeaders = { ":status": 200, "content-type": contentType };
    if (record !== undefined) out["x-request-id"] = record.id;
    if (compression.response !== null) out["grpc-encoding"] = compression.response.name;
    call.responseHeader?.forEach((value, name) => (out[name] = value));
    return out;
  };
  const fail = (error: ConnectError) => {
    const trailer = setTrailerStatus(new Headers(call.responseTrailer), error);
    const trailers: OutgoingHttpHeaders = {};
    trailer.forEach((value, name) => (trailers[name] = value));
    answer(head(), trailers, undefined);
  };
  const send = (frame: Buffer) => {
    const trailers: OutgoingHttpHeaders = { "grpc-status": "0" };
    call.responseTrailer?.forEach((value, name) => (trailers[name] = value));
    answer(head(), trailers, frame);
  };
  // Compressed answers wait for the compressor; the others go out in the same tick.
  const succeed = (output: Message): Promise<void> | void => {
    const payload = site.serialization.getO(true).serialize(output);
    if (compression.response !== null && payload.byteLength >= settings.compressMinBytes) {
      return compression.response.compress(payload).then((compressed) => send(frame(compressed, compressedFlag)));
    }
    send(frame(payload, 0));
  };
  runUnary(call, site, settings, { decode, succeed, fail });

  async function decode(): Promise<Message> {
    if (compression.error !== undefined) throw compression.error;
    if (timeout.error !== undefined) throw timeout.error;
    const body = await readBody(stream, envelopeLimit(settings.readMaxBytes));
    if (body.length === 0) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
    if (body.length < 5) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    const length = body.readUInt32BE(1);
    if (body.length < 5 + length) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
    if (body.length > 5 + length) throw new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented);
    let message: Uint8Array = body.subarray(5);
    if ((body[0]! & compressedFlag) !== 0) {
      if (compression.request === null) throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
      message = await compression.request.decompress(message, settings.readMaxBytes);
    }
    return site.serialization.getI(true).parse(message);
  }

}

/** One gRPC envelope: the flags, the length and the payload. */
function frame(payload: Uint8Array, flags: number): Buffer {
  const bytes = Buffer.allocUnsafe(5 + payload.byteLength);
  bytes[0] = flags;
  bytes.writeUInt32BE(payload.byteLength, 1);
  bytes.set(payload, 5);
  return bytes;
}

/**
 * A unary request holds one envelope of at most readMaxBytes: its length, in the first five
 * bytes, refuses a larger one before it arrives.
 */
function envelopeLimit(readMaxBytes: number): BodyLimit<ConnectError> {
  return {
    maxBytes: readMaxBytes + 5,
    peekBytes: 5,
    peek(head) {
      if (head.length < 5) return undefined;
      const length = head.readUInt32BE(1);
      if (length > readMaxBytes) return new ConnectError(`message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted);
      return undefined;
    },
    tooLarge: () => new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented),
    failed: bodyFailed,
  };
}
