import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { RequestRecord } from "../../observe/request-record.js";
import { readBody, type BodyLimit } from "../read-body.js";
import { UnaryCall } from "./unary-call.js";
import { bodyFailed, encodeOutput, negotiateCompression, type Negotiated, type UnaryPathSettings, type UnarySite } from "./unary-site.js";

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
  stream.on("error", site.streamError);
  new GrpcCall(site, stream, headers, settings, record).serve();
}

class GrpcCall extends UnaryCall {
  private readonly compression: Negotiated;
  private readonly timeoutError: ConnectError | undefined;

  constructor(
    site: UnarySite,
    private readonly h2stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    settings: UnaryPathSettings,
    record: RequestRecord | undefined,
  ) {
    super(site, settings, "grpc", String(headers[":path"] ?? "/"), headers, record, h2stream.session?.socket.remoteAddress);
    this.compression = negotiateCompression(settings, headers["grpc-encoding"], headers["grpc-accept-encoding"], "grpc-accept-encoding");
    const timeout = headers["grpc-timeout"];
    const parsed = timeout === undefined ? undefined : parseTimeout(String(timeout), Number.MAX_SAFE_INTEGER);
    this.timeoutError = parsed?.error;
    this.startLifetime(parsed?.timeoutMs);
  }

  watchClient(gone: () => void): void {
    if (this.h2stream.closed) gone();
    else this.h2stream.once("close", gone);
  }

  async decode(): Promise<Message> {
    const { compression, settings } = this;
    if (compression.error !== undefined) throw compression.error;
    if (this.timeoutError !== undefined) throw this.timeoutError;
    const body = await readBody(this.h2stream, envelopeLimit(settings.readMaxBytes), this.lifetime);
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
    return this.site.serialization.getI(true).parse(message);
  }

  // Compressed answers wait for the compressor; the others go out in the same tick.
  succeed(output: Message): Promise<void> | void {
    const payload = encodeOutput(this.site, true, output);
    const { response } = this.compression;
    if (response !== null && payload.byteLength >= this.settings.compressMinBytes) {
      return response.compress(payload).then((compressed) => this.send(frame(compressed, compressedFlag)));
    }
    this.send(Object.isFrozen(output) ? frozenFrame(payload) : frame(payload, 0));
  }

  fail(error: ConnectError): void {
    const trailer = setTrailerStatus(new Headers(this.setTrailers), error);
    const trailers: OutgoingHttpHeaders = {};
    trailer.forEach((value, name) => (trailers[name] = value));
    this.answer(trailers, undefined);
  }

  private send(envelope: Uint8Array): void {
    const trailers: OutgoingHttpHeaders = { "grpc-status": "0" };
    this.setTrailers?.forEach((value, name) => (trailers[name] = value));
    this.answer(trailers, envelope);
  }

  private answer(trailers: OutgoingHttpHeaders, envelope: Uint8Array | undefined): void {
    this.lifetime.end();
    const stream = this.h2stream;
    if (stream.destroyed || stream.headersSent) return;
    const head: OutgoingHttpHeaders = { ":status": 200, "content-type": contentType };
    if (this.record !== undefined) head["x-request-id"] = this.record.id;
    if (this.compression.response !== null) head["grpc-encoding"] = this.compression.response.name;
    this.setHeaders?.forEach((value, name) => (head[name] = value));
    if (envelope === undefined) {
      stream.respond(Object.assign(head, trailers), { endStream: true });
    } else {
      this.trailers = trailers;
      stream.respond(head, { waitForTrailers: true });
      // Emitted once: `on` spares the wrapper `once` makes.
      stream.on("wantTrailers", this.sendTrailers);
      stream.end(envelope);
    }
    if (!stream.readableEnded) stream.close(constants.NGHTTP2_NO_ERROR);
  }

  private trailers: OutgoingHttpHeaders | undefined;
  /** The 'wantTrailers' listener. */
  private readonly sendTrailers = () => this.h2stream.sendTrailers(this.trailers ?? {});
}

/** The envelopes of frozen outputs (see encodeOutput), by their payload: the same bytes every call. */
const frozenFrames = new WeakMap<Uint8Array, Buffer>();

/** The uncompressed envelope of a frozen output's payload, made once. */
function frozenFrame(payload: Uint8Array): Buffer {
  let bytes = frozenFrames.get(payload);
  if (bytes === undefined) frozenFrames.set(payload, (bytes = frame(payload, 0)));
  return bytes;
}

/** One gRPC envelope: the flags, the length and the payload. */
function frame(payload: Uint8Array, flags: number): Buffer {
  const bytes = Buffer.allocUnsafe(5 + payload.byteLength);
  bytes[0] = flags;
  bytes.writeUInt32BE(payload.byteLength, 1);
  bytes.set(payload, 5);
  return bytes;
}

/** The limits of request envelopes, by readMaxBytes: the same for every call. */
const envelopeLimits = new Map<number, BodyLimit<ConnectError>>();

/**
 * A unary request holds one envelope of at most readMaxBytes: its length, in the first five
 * bytes, refuses a larger one before it arrives.
 */
function envelopeLimit(readMaxBytes: number): BodyLimit<ConnectError> {
  let limit = envelopeLimits.get(readMaxBytes);
  if (limit !== undefined) return limit;
  limit = {
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
  envelopeLimits.set(readMaxBytes, limit);
  return limit;
}
